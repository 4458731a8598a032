#!/usr/bin/env python3
"""Re-verify an xgate audit export (format xgate-audit-export/v1) without
xgate, from the algorithm in outbox/audit/doc.go: the entry hashes, the
Seq numbering, the Prev links and the checkpoints' heads. Signatures are
left to openssl: with --checkpoint-dir DIR, each checkpoint's signed text
and signature are written to DIR/cp-SEQ.txt and DIR/cp-SEQ.sig.

Exit 0 and "ok: N entries, M checkpoints, head H", or exit 1 and
"bad: entry N: what".
"""
import hashlib
import json
import sys


def u64(n):
    return (n & 0xFFFFFFFFFFFFFFFF).to_bytes(8, "big")


def s(x):
    b = x.encode("utf-8")
    return u64(len(b)) + b


def entry_hash(e):
    h = hashlib.sha256()
    h.update(s("xgate-audit-v1"))
    h.update(u64(e["seq"]))
    h.update(s(e["time"]))
    for k in ("record_id", "direction", "partner", "type", "from", "to", "actor", "reason", "code"):
        h.update(s(e.get(k, "")))
    h.update(u64(e.get("attempt", 0)))
    h.update(bytes.fromhex(e["prev"]))
    return h.hexdigest()


def main(argv):
    path = argv[1]
    cpdir = None
    if len(argv) == 4 and argv[2] == "--checkpoint-dir":
        cpdir = argv[3]
    with open(path, encoding="utf-8") as f:
        x = json.load(f)
    if x.get("format") != "xgate-audit-export/v1":
        print("bad: unknown format", x.get("format"))
        return 1
    prev = "0" * 64
    hashes = {}
    for n, e in enumerate(x["entries"], start=1):
        if entry_hash(e) != e["hash"]:
            print(f"bad: entry {n}: hash does not match its fields")
            return 1
        if e["seq"] != n:
            print(f"bad: entry {n}: position {n} holds entry {e['seq']}")
            return 1
        if e["prev"] != prev:
            print(f"bad: entry {n}: prev is not the hash of entry {n - 1}")
            return 1
        prev = e["hash"]
        hashes[n] = prev
    for c in x["checkpoints"]:
        if hashes.get(c["seq"]) != c["head"]:
            print(f"bad: entry {c['seq']}: checkpoint head does not match the chain")
            return 1
        if cpdir:
            text = f"xgate-audit-checkpoint-v1\n{c['seq']}\n{c['head']}\n{c['time']}\n{c['key_id']}\n"
            with open(f"{cpdir}/cp-{c['seq']}.txt", "w", encoding="utf-8", newline="") as f:
                f.write(text)
            import base64
            with open(f"{cpdir}/cp-{c['seq']}.sig", "wb") as f:
                f.write(base64.b64decode(c["signature"]))
    print(f"ok: {len(x['entries'])} entries, {len(x['checkpoints'])} checkpoints, head {prev}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
