#!/usr/bin/env python3
"""Writes the same N debits as JSON (the `lastschrift pain008` message description) and as CSV
(plus creditor.toml), deterministic for a given N, for the benchmarks in bench/compare.sh.

    python3 bench/gen_debits.py 1000000 /tmp/bench        # debits-1000000.json/.csv, creditor.toml

Realistic German data: names with umlauts, valid IBANs of five banks (two without BIC), two
collection dates x FRST/RCUR (four payment-information blocks), a remittance text per debit.
"""
import json
import os
import sys

FIRST = ["Jürgen", "Anna", "Özlem", "Thomas", "Sabine", "Michael", "Jörg", "Ute", "Klaus", "Bärbel"]
LAST = ["Müller", "Schmidt", "Schneider", "Fischer", "Weiß", "Meyer", "Wagner", "Becker", "Schäfer", "Groß"]
BANKS = [("37040044", "COBADEFFXXX"), ("50010517", "INGDDEFFXXX"), ("12030000", None),
         ("10010010", None), ("70020270", "HYVEDEMMXXX")]
CREDITOR = {
    "name": "Stadtwerke Musterstadt GmbH",
    "iban": "DE89370400440532013000",
    "bic": "COBADEFFXXX",
    "creditor_id": "DE98ZZZ09999999999",
}


def german_iban(bank, account):
    bban = f"{bank}{account:010d}"
    return f"DE{98 - int(bban + '131400') % 97:02d}{bban}"


def debit(i):
    bank, bic = BANKS[i % len(BANKS)]
    d = {
        "end_to_end_id": f"RE-2026-{i:08d}",
        "amount": f"{5 + (i * 7919) % 2000}.{(i * 31) % 100:02d}",
        "collection_date": "2026-12-14" if i % 2 == 0 else "2026-12-15",
        "sequence": "FRST" if i % 10 == 0 else "RCUR",
        "scheme": "CORE",
        "remittance": f"Rechnung RE-2026-{i:08d} vom 01.12.2026, Kundennr. {10000 + i}",
        "debtor": {"name": f"{FIRST[i % 10]} {LAST[(i // 10) % 10]}",
                   "iban": german_iban(bank, 1_000_000 + i)},
        "mandate": {"id": f"KD-{10000 + i:08d}", "signed_on": "2024-03-01"},
    }
    if bic:
        d["debtor"]["bic"] = bic
    return d


def main():
    n = int(sys.argv[1])
    out = sys.argv[2] if len(sys.argv) > 2 else "."
    os.makedirs(out, exist_ok=True)
    with open(os.path.join(out, f"debits-{n}.json"), "w", encoding="utf-8") as f:
        head = {"message_id": "BENCH-2026-11-28", "created_at": "2026-11-28T10:00:00",
                "batch_booking": True, "creditor": CREDITOR}
        f.write(json.dumps(head, ensure_ascii=False)[:-1] + ', "debits": [\n')
        for i in range(n):
            f.write(json.dumps(debit(i), ensure_ascii=False))
            f.write(",\n" if i + 1 < n else "\n")
        f.write("]}\n")
    with open(os.path.join(out, f"debits-{n}.csv"), "w", encoding="utf-8") as f:
        f.write("end_to_end_id;amount;collection_date;sequence;scheme;remittance;debtor_name;"
                "debtor_iban;debtor_bic;mandate_id;mandate_signed_on\n")
        for i in range(n):
            d = debit(i)
            f.write(";".join([d["end_to_end_id"], d["amount"].replace(".", ","),
                              d["collection_date"], d["sequence"], d["scheme"], d["remittance"],
                              d["debtor"]["name"], d["debtor"]["iban"], d["debtor"].get("bic", ""),
                              d["mandate"]["id"], "01.03.2024"]) + "\n")
    with open(os.path.join(out, "creditor.toml"), "w", encoding="utf-8") as f:
        for k, v in CREDITOR.items():
            f.write(f'{k} = "{v}"\n')


if __name__ == "__main__":
    main()
