#!/usr/bin/env bash
# Compares `lastschrift pain008` with python-sepaxml and the Rust crate `sepa` 0.9.0 on the same
# generated debits (bench/gen_debits.py): wall time and peak resident memory, best of RUNS runs.
# Not run in CI: it downloads the peers (PyPI, crates.io) and takes minutes.
#
#     bench/compare.sh                 # 10 000, 100 000 and 1 000 000 debits, 3 runs each
#     RUNS=5 bench/compare.sh 10000 100000
#
# Everything it builds or writes goes to bench/.work/ (gitignored): the venv with sepaxml, a
# scratch cargo project for the `sepa` crate, the inputs and the outputs.
set -euo pipefail

cd "$(dirname "$0")/.."
ROOT=$PWD
WORK=$ROOT/bench/.work
RUNS=${RUNS:-3}
SIZES=("$@")
[ ${#SIZES[@]} -gt 0 ] || SIZES=(10000 100000 1000000)
mkdir -p "$WORK/data"

echo "building lastschrift (release)…" >&2
${CARGO:-cargo} build --release -q -p lastschrift
LASTSCHRIFT=${CARGO_TARGET_DIR:-$ROOT/target}/release/lastschrift

if [ ! -x "$WORK/venv/bin/python" ] || ! "$WORK/venv/bin/python" -c 'import sepaxml' 2>/dev/null; then
    echo "installing python-sepaxml into $WORK/venv…" >&2
    python3 -m venv "$WORK/venv"
    "$WORK/venv/bin/pip" install -q sepaxml
fi
SEPAXML_VERSION=$("$WORK/venv/bin/python" -c 'import importlib.metadata as m; print(m.version("sepaxml"))')

# A scratch project outside the workspace (its own [workspace]), so the peer's dependencies
# never enter our Cargo.lock.
PEER=$WORK/sepa-peer
mkdir -p "$PEER/src"
cat > "$PEER/Cargo.toml" <<'TOML'
[package]
name = "sepa-peer"
version = "0.1.0"
edition = "2024"
publish = false

[workspace]

[dependencies]
sepa = "=0.9.0"
serde = { version = "1", features = ["derive"] }
serde_json = "1"

[profile.release]
lto = "thin"
TOML
cp bench/peers/sepa_peer.rs "$PEER/src/main.rs"
echo "building the sepa 0.9.0 driver…" >&2
(cd "$PEER" && CARGO_TARGET_DIR="$WORK/target" ${CARGO:-cargo} build --release -q)
SEPA_PEER=$WORK/target/release/sepa-peer

# One measurement: "seconds max-rss-kib" of the best (fastest) of $RUNS runs.
measure() {
    local best="" line
    for _ in $(seq "$RUNS"); do
        if ! /usr/bin/time -f '%e %M' -o "$WORK/time.txt" "$@" >/dev/null 2>"$WORK/stderr.txt"; then
            echo "failed: $* ($(tail -n 3 "$WORK/stderr.txt"))" >&2
            echo "failed -"
            return
        fi
        line=$(tail -n 1 "$WORK/time.txt")
        if [ -z "$best" ] || awk -v a="${line%% *}" -v b="${best%% *}" 'BEGIN{exit !(a<b)}'; then
            best=$line
        fi
    done
    echo "$best"
}

row() {
    local name=$1 n=$2 result
    shift 2
    result=$(measure "$@")
    awk -v name="$name" -v n="$n" -v r="$result" 'BEGIN{
        split(r, a, " ");
        if (a[1] == "failed") { printf "| %-34s | %9s | %10s | %9s |\n", name, n, "failed", "-"; exit }
        printf "| %-34s | %9s | %8.2f s | %5.0f MiB |\n", name, n, a[1], a[2] / 1024 }'
}

echo
echo "| program | debits | wall | peak RSS |"
echo "|---|---:|---:|---:|"
for n in "${SIZES[@]}"; do
    [ -f "$WORK/data/debits-$n.json" ] || python3 bench/gen_debits.py "$n" "$WORK/data" >&2
    json=$WORK/data/debits-$n.json
    csv=$WORK/data/debits-$n.csv
    row "lastschrift pain008 (JSON)" "$n" "$LASTSCHRIFT" pain008 --today 2026-11-28 --input "$json" \
        --output "$WORK/lastschrift-$n.xml"
    row "lastschrift pain008 (CSV)" "$n" "$LASTSCHRIFT" pain008 --today 2026-11-28 --input "$csv" \
        --creditor "$WORK/data/creditor.toml" --message-id BENCH-2026-11-28 \
        --output "$WORK/lastschrift-csv-$n.xml"
    row "sepa 0.9.0 (Rust crate, JSON)" "$n" "$SEPA_PEER" "$json" "$WORK/sepa-$n.xml"
    row "python-sepaxml $SEPAXML_VERSION (JSON)" "$n" "$WORK/venv/bin/python" \
        bench/peers/sepaxml_peer.py "$json" "$WORK/sepaxml-$n.xml"
done
