#!/usr/bin/env python3
"""Peer driver for bench/compare.sh: the same generated JSON as `lastschrift pain008`, through
python-sepaxml (pain.008.001.08, batch booking, one batch per collection date and sequence type)."""
import datetime
import json
import sys

from sepaxml import SepaDD


def cents(amount):
    euros, _, frac = amount.partition(".")
    return int(euros) * 100 + int((frac + "00")[:2])


def main():
    with open(sys.argv[1], encoding="utf-8") as f:
        m = json.load(f)
    c = m["creditor"]
    sepa = SepaDD({"name": c["name"], "IBAN": c["iban"], "BIC": c["bic"], "batch": True,
                   "creditor_id": c["creditor_id"], "currency": "EUR"},
                  schema="pain.008.001.08")
    for d in m["debits"]:
        p = {"name": d["debtor"]["name"], "IBAN": d["debtor"]["iban"],
             "amount": cents(d["amount"]), "type": d["sequence"],
             "collection_date": datetime.date.fromisoformat(d["collection_date"]),
             "mandate_id": d["mandate"]["id"],
             "mandate_date": datetime.date.fromisoformat(d["mandate"]["signed_on"]),
             "description": d["remittance"], "endtoend_id": d["end_to_end_id"]}
        if "bic" in d["debtor"]:
            p["BIC"] = d["debtor"]["bic"]
        sepa.add_payment(p)
    # validate=False: sepaxml's own XSD check (xmlschema) takes minutes at 100 000 debits.
    out = sepa.export(validate=False)
    with open(sys.argv[2], "wb") as f:
        f.write(out)


if __name__ == "__main__":
    main()
