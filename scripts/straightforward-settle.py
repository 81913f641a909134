#!/usr/bin/env python3
"""A straightforward implementation of the settlement spec (../shared/spec:
CBF files only), written apart from the Swift code, one plain loop per
rule. scripts/crosscheck runs it beside `cass settle` on generated data and
compares the three CSVs byte for byte; it is also what "straightforward"
costs, for scale (README, Performance). Not a product: no XML, no documents,
no cluster, reference data assumed valid.

Usage: straightforward-settle.py REFERENCE_DIR INPUT_DIR OUTPUT_DIR"""
import csv, os, sys, calendar, datetime

ISO = {"GBP": 2, "JPY": 0, "KWD": 3, "EUR": 2, "USD": 2, "CHF": 2, "BHD": 3, "JOD": 3, "OMR": 3, "TND": 3, "KRW": 0, "CNY": 2,
       "HKD": 2, "SGD": 2, "INR": 2, "AED": 2, "SAR": 2, "QAR": 2, "CAD": 2, "AUD": 2, "NZD": 2, "SEK": 2, "NOK": 2, "DKK": 2,
       "PLN": 2, "CZK": 2, "HUF": 2, "ZAR": 2, "BRL": 2, "MXN": 2, "TRY": 2, "THB": 2, "MYR": 2, "IDR": 2, "PHP": 2, "VND": 0,
       "CLP": 0, "ISK": 0, "UGX": 0, "XOF": 0, "XAF": 0, "PYG": 0, "LYD": 3, "IQD": 3, "EGP": 2, "ILS": 2, "RUB": 2, "TWD": 2}

def rnd(num, den):
    # round half away from zero of num/den (den > 0)
    q, r = divmod(abs(num), den)
    if 2 * r >= den: q += 1
    return q if num >= 0 else -q

def fit(v, what):
    # settlement.md: amounts never wrap; a result outside 64 bits stops the run.
    if not -2**63 <= v < 2**63:
        sys.stderr.write("straightforward-settle: amount overflow: %s is %d\n" % (what, v))
        sys.exit(1)
    return v

def q(x):
    # RFC 4180: a field with a comma, a quote or a line break is quoted.
    s = str(x)
    if any(c in s for c in ',"\r\n'): return '"' + s.replace('"', '""') + '"'
    return s

def read_csv(path):
    with open(path, newline="", encoding="utf-8") as f:
        return list(csv.DictReader(f))

def date_ok(s):
    if len(s) != 8 or not s.isdigit(): return None
    y, m, d = int(s[:4]), int(s[4:6]), int(s[6:])
    try: return datetime.date(y, m, d)
    except ValueError: return None

def load_reference(ref):
    ops = {r["country"]: r for r in read_csv(os.path.join(ref, "operations.csv"))}
    airlines = {}
    for r in read_csv(os.path.join(ref, "airlines.csv")):
        airlines[int(r["prefix"])] = set(x for x in r["operations"].split(";") if x)
    agents = {}
    for r in read_csv(os.path.join(ref, "agents.csv")):
        agents[(r["country"], int(r["agent"]))] = r["status"].lower()
    rules = {}
    for r in read_csv(os.path.join(ref, "tax-rules.csv")):
        vf = datetime.date.fromisoformat(r["valid_from"])
        vt = datetime.date.fromisoformat(r["valid_to"]) if r["valid_to"] else None
        rules.setdefault(r["country"], []).append((r["code"], r["base"].lower(), int(r["rate"]), r["direction"].lower(), vf, vt))
    return ops, airlines, agents, rules

def signed(s):
    if len(s) != 12 or s[0] not in "+-" or not s[1:].isdigit(): return None
    v = int(s[1:]); return -v if s[0] == "-" else v

def num(s):
    return int(s) if s.isdigit() else None

def identity(raw):
    if not raw or any(b >= 0x80 for b in raw): return ("", "", "")
    first = raw.split(b"\n", 1)[0]
    if first.endswith(b"\r"): first = first[:-1]
    t = first.decode("ascii")
    return (t[11:14], t[14:16], t[16:24])

def read_file(name, raw, ops):
    """Returns ("rejected", code) or ("ok", header, records) where records
    are dicts; per-record 'r12' holds True when malformed."""
    # F06 physical
    lines = raw.split(b"\n")
    if raw.endswith(b"\n"): lines = lines[:-1]
    if not raw: lines = []
    text = []
    for ln in lines:
        if ln.endswith(b"\r"): ln = ln[:-1]
        if len(ln) != 160 or any(b < 32 or b > 126 for b in ln): return ("rejected", "F06")
        text.append(ln.decode("ascii"))
    prev_type, prev_memo = None, False
    for i, t in enumerate(text):
        typ = t[0:3]
        if typ == "HDR":
            if i != 0: return ("rejected", "F06")
        elif typ == "TRL":
            if i != len(text) - 1: return ("rejected", "F06")
        elif typ == "OCH":
            if prev_type not in ("AWB", "OCH") or prev_memo: return ("rejected", "F06")
        elif typ == "AWB":
            prev_memo = t[20:23] in ("DCM", "CCM")
        else:
            return ("rejected", "F06")
        if typ != "OCH": prev_type = typ
        if t[3:9] != "%06d" % (i + 1): return ("rejected", "F06")
    # F01 header
    if not text: return ("rejected", "F01")
    h = text[0]
    if h[0:3] != "HDR": return ("rejected", "F01")
    if not h[9:11].isdigit() or not h[11:14].isdigit() or not (h[14:16].isalpha() and h[14:16].isupper() and h[14:16].isascii()): return ("rejected", "F01")
    per = h[16:24]
    if not per.isdigit(): return ("rejected", "F01")
    y, m, nn = int(per[:4]), int(per[4:6]), int(per[6:])
    if not (1 <= m <= 12 and 1 <= nn <= 4 and y >= 1): return ("rejected", "F01")
    op = h[14:16]
    if op in ops and nn > int(ops[op]["periods_per_month"]): return ("rejected", "F01")
    if not h[24:30].isdigit() or int(h[24:30]) < 1: return ("rejected", "F01")
    created = date_ok(h[30:38])
    if created is None: return ("rejected", "F01")
    cur = h[38:41]
    if not (cur.isalpha() and cur.isupper()): return ("rejected", "F01")
    if not h[41].isdigit(): return ("rejected", "F01")
    if h[42:160] != " " * 118: return ("rejected", "F01")
    if h[9:11] != "01": return ("rejected", "F05")
    if len(text) < 2 or text[-1][0:3] != "TRL": return ("rejected", "F02")
    tr = text[-1]
    cnt, tnet, twc = num(tr[9:15]), signed(tr[15:27]), signed(tr[27:39])
    if cnt is None or tnet is None or twc is None or tr[39:160] != " " * 121: return ("rejected", "F02")
    header = dict(prefix=int(h[11:14]), op=op, period=int(per), y=y, m=m, nn=nn, seq=int(h[24:30]), created=created, cur=cur, digits=int(h[41]))
    records = []
    for i in range(1, len(text) - 1):
        t = text[i]
        if t[0:3] == "AWB":
            rec = dict(seq=i + 1, och=[], r12=False, t=t)
            def n(a, b):
                v = num(t[a:b])
                if v is None: rec["r12"] = True; return 0
                return v
            def s(a, b):
                v = signed(t[a:b])
                if v is None: rec["r12"] = True; return 0
                return v
            rec["prefix"] = n(9, 12); rec["serial"] = n(12, 20)
            rec["tx"] = t[20:23]
            if rec["tx"] not in ("AWB", "CCA", "DCM", "CCM"): rec["r12"] = True
            rec["agent"] = n(23, 34); rec["issue"] = t[34:42]
            if not t[34:42].isdigit(): rec["r12"] = True
            rec["orig"] = t[42:45]; rec["dest"] = t[45:48]; rec["ind"] = t[48]
            if rec["ind"] not in "PC": rec["r12"] = True
            rec["cur"] = t[49:52]; rec["weight"] = n(52, 59)
            rec["wc"] = s(59, 71); rec["vc"] = s(71, 83); rec["ocdc"] = s(83, 95); rec["ocda"] = s(95, 107)
            rec["rate"] = n(107, 111); rec["comm"] = s(111, 123); rec["inc"] = s(123, 135); rec["net"] = s(135, 147)
            reason = t[147:150]
            if not all(c == " " or c.isalnum() for c in reason): rec["r12"] = True
            elif rec["tx"] in ("DCM", "CCM") and reason == "   ": rec["r12"] = True
            if t[150:160] != " " * 10: rec["r12"] = True
            records.append(rec)
        else:
            rec = records[-1]
            code, ent, amt = t[9:11], t[11], signed(t[12:24])
            if not (code.isalpha() and code.isupper() and code.isascii()) or ent not in "CA" or amt is None or t[24:160] != " " * 136:
                rec["r12"] = True
            rec["och"].append((ent, amt or 0))
    if cnt != len(records) or tnet != sum(r["net"] for r in records) or twc != sum(r["wc"] for r in records):
        return ("rejected", "F03")
    return ("ok", header, records)

def main():
    if len(sys.argv) != 4:
        sys.exit(__doc__)
    ref, inp, out = sys.argv[1:4]
    ops, airlines, agents, rules = load_reference(ref)
    files = []
    for name in os.listdir(inp):
        if not name.lower().endswith(".cbf"): continue
        path = os.path.join(inp, name)
        # settlement.md: an entry that is not a readable regular file (a
        # folder, a FIFO, a broken link) is reported and skipped.
        if not os.path.isfile(path): continue
        # docs/decisions.md: a name that is not UTF-8 is reported and skipped.
        try: name.encode("utf-8")
        except UnicodeEncodeError: continue
        try:
            with open(path, "rb") as f: raw = f.read()
        except OSError: continue
        def key_num(a, b):
            first = raw.split(b"\n", 1)[0]
            s = first[a:b]
            return int(s) if len(s) == b - a and s.isdigit() else 0
        files.append(((key_num(16, 24), key_num(11, 14), key_num(24, 30), os.fsencode(name)), name, raw))
    files.sort(key=lambda f: f[0])
    rejections = []  # (file, airline, country, period, seq, code, awb)
    accepted_files = set()
    ledger = {}  # (operation, prefix, serial) -> dict(agent, amounts, issue): an AWB is identified within its operation
    lines = {}   # (op, period, agent) -> list of line dicts
    periods_present = set()
    for (_, name, raw) in files:
        ident = identity(raw)
        res = read_file(name, raw, ops)
        if res[0] == "ok":
            h = res[1]
            if h["op"] in ops: periods_present.add((h["op"], h["period"]))
        if res[0] == "rejected":
            rejections.append((name, *ident, 0, res[1], "")); continue
        _, h, recs = res
        # F07, F08, F04
        if h["cur"] not in ISO or ISO[h["cur"]] != h["digits"]:
            rejections.append((name, *ident, 0, "F07", "")); continue
        op = ops.get(h["op"])
        if op is not None and op["currency"] != h["cur"]:
            rejections.append((name, *ident, 0, "F07", "")); continue
        if op is None or h["op"] not in airlines.get(h["prefix"], set()):
            rejections.append((name, *ident, 0, "F08", "")); continue
        fkey = (h["prefix"], h["op"], h["period"], h["seq"])
        if fkey in accepted_files:
            rejections.append((name, *ident, 0, "F04", "")); continue
        accepted_files.add(fkey)
        for r in recs:
            awbtxt = r["t"][9:12] + "-" + r["t"][12:20]
            def rej(code): rejections.append((name, *ident, r["seq"], code, awbtxt))
            if r["r12"]: rej("R12"); continue
            if r["prefix"] != h["prefix"]: rej("R03"); continue
            if r["cur"] != h["cur"]: rej("R06"); continue
            if (r["serial"] // 10) % 7 != r["serial"] % 10: rej("R01"); continue
            if (r["agent"] // 10) % 7 != r["agent"] % 10: rej("R02"); continue
            if agents.get((h["op"], r["agent"])) != "active": rej("R02"); continue
            issue = date_ok(r["issue"])
            if issue is None or issue > h["created"]: rej("R04"); continue
            if not (r["orig"].isalpha() and r["orig"].isupper() and r["orig"].isascii()) or not (r["dest"].isalpha() and r["dest"].isupper() and r["dest"].isascii()) or r["orig"] == r["dest"]:
                rej("R05"); continue
            if r["och"]:
                if sum(a for e, a in r["och"] if e == "C") != r["ocdc"] or sum(a for e, a in r["och"] if e == "A") != r["ocda"]:
                    rej("R09"); continue
            if r["tx"] in ("AWB", "CCA"):
                if rnd(r["wc"] * r["rate"], 10000) != r["comm"]: rej("R07"); continue
                exp = (r["wc"] + r["vc"] + r["ocdc"] if r["ind"] == "P" else 0) - r["comm"] - r["inc"]
                if exp != r["net"]: rej("R08"); continue
            else:
                if any(r[k] != 0 for k in ("wc", "vc", "ocdc", "ocda", "comm", "inc")): rej("R08"); continue
                if (r["tx"] == "DCM" and r["net"] <= 0) or (r["tx"] == "CCM" and r["net"] >= 0): rej("R08"); continue
            key = (h["op"], r["prefix"], r["serial"])
            prev = ledger.get(key)
            if r["tx"] == "AWB":
                if prev is not None: rej("R10"); continue
                ledger[key] = dict(agent=r["agent"], wc=r["wc"], vc=r["vc"], ocdc=r["ocdc"], comm=r["comm"], net=r["net"], issue=issue)
                line = dict(serial=r["serial"], prefix=r["prefix"], amount=r["net"], weight=r["wc"], valuation=r["vc"], ocdc=r["ocdc"], commission=r["comm"], taxdate=issue)
            else:
                if prev is None or prev["agent"] != r["agent"]: rej("R11"); continue
                if r["tx"] == "CCA":
                    line = dict(serial=r["serial"], prefix=r["prefix"], amount=r["net"] - prev["net"], weight=r["wc"] - prev["wc"], valuation=r["vc"] - prev["vc"],
                                ocdc=r["ocdc"] - prev["ocdc"], commission=r["comm"] - prev["comm"], taxdate=issue)
                    ledger[key] = dict(agent=prev["agent"], wc=r["wc"], vc=r["vc"], ocdc=r["ocdc"], comm=r["comm"], net=r["net"], issue=issue)
                else:
                    line = dict(serial=r["serial"], prefix=r["prefix"], amount=r["net"], weight=0, valuation=0, ocdc=0, commission=0, taxdate=prev["issue"])
            lines.setdefault((h["op"], h["period"], r["agent"]), []).append(line)
    # close periods per operation ascending, number invoices
    counters = {}
    agent_rows, airline_sums = [], {}
    for op_code in sorted(set(o for o, _ in periods_present)):
        op = ops[op_code]
        for period in sorted(p for o, p in periods_present if o == op_code):
            y, m, nn = period // 10000, (period // 100) % 100, period % 100
            ppm = int(op["periods_per_month"])
            last_day = calendar.monthrange(y, m)[1]
            if ppm == 4: end_day = {1: 7, 2: 15, 3: 23, 4: last_day}[nn]
            else: end_day = {1: 15, 2: last_day}[nn]
            inv_date = datetime.date(y, m, end_day)
            for agent in sorted(a for (o, p, a) in lines if o == op_code and p == period):
                ls = lines[(op_code, period, agent)]
                sections = {}
                for l in ls: sections.setdefault(l["prefix"], []).append(l)
                total_net = total_ch = total_cr = 0
                sec_totals = {}
                for prefix, sl in sections.items():
                    net = sum(l["amount"] for l in sl)
                    ch = cr = 0
                    for (code, base, rate, direction, vf, vt) in rules.get(op_code, []):
                        applying = [l for l in sl if l["taxdate"] >= vf and (vt is None or l["taxdate"] <= vt)]
                        if not applying: continue
                        b = sum(l[{"weight": "weight", "valuation": "valuation", "ocdc": "ocdc", "commission": "commission", "net": "amount"}[base]] for l in applying)
                        fit(b, "a tax base of agent %d" % agent)
                        t = rnd(b * rate, 10000)
                        if direction == "charged": ch += t
                        else: cr += t
                    for v in (net, ch, cr, net + ch - cr): fit(v, "a section of agent %d" % agent)
                    sec_totals[prefix] = net + ch - cr
                    total_net += net; total_ch += ch; total_cr += cr
                ckey = (op_code, inv_date.year)
                counters[ckey] = counters.get(ckey, 0) + 1
                number = "%s%04d%06d" % (op_code, inv_date.year, counters[ckey])
                total = total_net + total_ch - total_cr
                for v in (total_net, total_ch, total_cr, total): fit(v, "the invoice of agent %d" % agent)
                agent_rows.append((agent, op_code, period, op["currency"], number, len(ls), total_net, total_ch, total_cr, total))
                for prefix, st in sec_totals.items():
                    k = (prefix, op_code, period)
                    a, d = airline_sums.get(k, (0, 0))
                    airline_sums[k] = (a + 1, d + st)
    for (prefix, op_code, period), (a, d) in airline_sums.items(): fit(d, "the disbursement to airline %03d in %s %d" % (prefix, op_code, period))
    period_totals = {}
    for r in agent_rows: period_totals[(r[1], r[2])] = period_totals.get((r[1], r[2]), 0) + r[9]
    for k, v in period_totals.items(): fit(v, "the invoices of %s %d" % k)
    os.makedirs(out, exist_ok=True)
    with open(os.path.join(out, "settlement-agents.csv"), "w") as f:
        f.write("country,period,agent,currency,invoice_number,lines,net_due,tax_charged,tax_credited,total\n")
        for (agent, op_code, period, cur, number, n, net, ch, cr, total) in sorted(agent_rows, key=lambda r: (r[0], r[1], r[2])):
            f.write(f"{q(op_code)},{period},{agent:011d},{q(cur)},{q(number)},{n},{net},{ch},{cr},{total}\n")
    with open(os.path.join(out, "settlement-airlines.csv"), "w") as f:
        f.write("country,period,airline,currency,agents,disbursement\n")
        for (prefix, op_code, period) in sorted(airline_sums):
            a, d = airline_sums[(prefix, op_code, period)]
            f.write(f"{q(op_code)},{period},{prefix:03d},{q(ops[op_code]['currency'])},{a},{d}\n")
    with open(os.path.join(out, "rejections.csv"), "w") as f:
        f.write("file,airline,country,period,sequence,code,awb\n")
        for r in sorted(rejections, key=lambda r: (r[0].encode(), r[4])):
            f.write(",".join(q(x) for x in r) + "\n")

main()
