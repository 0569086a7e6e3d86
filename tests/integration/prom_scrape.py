#!/usr/bin/env python3
"""Scrape a Prometheus text endpoint and check it strictly (format 0.0.4).

  prom_scrape.py URL            scrape, check, print one "SERIES<TAB>VALUE" line per series
  prom_scrape.py URL=FILE...    the same for each URL, into FILE (all are scraped and checked)
  prom_scrape.py --file FILE    check a saved exposition, the same output
  prom_scrape.py --selftest     the checker must reject each malformed sample

Series keys are 'name{l1="v1",l2="v2"}' with labels sorted by name (and
'name{}' without labels); integral values are printed as integers. Exit 1 with a message naming the line on any violation.
"""
import math
import re
import sys
import urllib.request

METRIC = re.compile(r'[a-zA-Z_:][a-zA-Z0-9_:]*')
LABEL = re.compile(r'[a-zA-Z_][a-zA-Z0-9_]*')
TYPES = {'counter', 'gauge', 'histogram', 'summary', 'untyped'}


class ExpoError(Exception):
    pass


def parse_value(s, where):
    if s in ('+Inf', 'Inf'):
        return math.inf
    if s == '-Inf':
        return -math.inf
    if s == 'NaN':
        return math.nan
    if not re.fullmatch(r'[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?', s):
        raise ExpoError('%s: bad value %r' % (where, s))
    return float(s)


def parse_labels(s, i, where):
    """s[i] == '{'; returns (labels dict, index after '}')."""
    labels = {}
    i += 1
    while True:
        if i < len(s) and s[i] == '}':
            return labels, i + 1
        m = LABEL.match(s, i)
        if not m:
            raise ExpoError('%s: bad label name at column %d' % (where, i))
        name = m.group(0)
        i = m.end()
        if s[i:i + 2] != '="':
            raise ExpoError('%s: label %s: expected =" ' % (where, name))
        i += 2
        val = []
        while True:
            if i >= len(s):
                raise ExpoError('%s: label %s: unterminated value' % (where, name))
            ch = s[i]
            if ch == '\\':
                nxt = s[i + 1:i + 2]
                if nxt not in ('\\', '"', 'n'):
                    raise ExpoError('%s: label %s: bad escape \\%s' % (where, name, nxt))
                val.append('\n' if nxt == 'n' else nxt)
                i += 2
            elif ch == '"':
                i += 1
                break
            else:
                val.append(ch)
                i += 1
        if name in labels:
            raise ExpoError('%s: label %s twice' % (where, name))
        labels[name] = ''.join(val)
        if i < len(s) and s[i] == ',':
            i += 1
        elif i < len(s) and s[i] == '}':
            pass
        else:
            raise ExpoError('%s: expected , or } after label %s' % (where, name))


def key(name, labels):
    return name + '{' + ','.join('%s="%s"' % (k, labels[k]) for k in sorted(labels)) + '}'


def family_of(name, types):
    if name in types:
        return name
    for suf in ('_bucket', '_sum', '_count'):
        base = name[:-len(suf)]
        if name.endswith(suf) and types.get(base) == 'histogram':
            return base
    return None


def check(text):
    if not text.endswith('\n'):
        raise ExpoError('the exposition does not end with a newline')
    types, helps, series = {}, {}, {}
    done = set()          # families whose samples are over (no interleaving)
    current = None
    hist = {}             # family -> {labels-without-le: [(le, v)], sum, count}
    for n, line in enumerate(text[:-1].split('\n'), 1):
        where = 'line %d' % n
        if line == '':
            continue
        if line.startswith('#'):
            parts = line.split(' ', 3)
            if len(parts) >= 2 and parts[1] in ('HELP', 'TYPE'):
                if len(parts) < 3 or not METRIC.fullmatch(parts[2]):
                    raise ExpoError('%s: bad metric name in %s' % (where, parts[1]))
                name = parts[2]
                if parts[1] == 'HELP':
                    if name in helps:
                        raise ExpoError('%s: second HELP for %s' % (where, name))
                    helps[name] = parts[3] if len(parts) > 3 else ''
                    if re.search(r'\\[^\\n]', helps[name]):
                        raise ExpoError('%s: bad escape in HELP' % where)
                else:
                    if name in types:
                        raise ExpoError('%s: second TYPE for %s' % (where, name))
                    if len(parts) != 4 or parts[3] not in TYPES:
                        raise ExpoError('%s: bad TYPE line' % where)
                    if name in done or any(family_of(k.split('{')[0], {name: parts[3]}) == name
                                           for k in series):
                        raise ExpoError('%s: TYPE for %s after its samples' % (where, name))
                    types[name] = parts[3]
            continue
        m = METRIC.match(line)
        if not m:
            raise ExpoError('%s: bad metric name' % where)
        name = m.group(0)
        i = m.end()
        labels = {}
        if i < len(line) and line[i] == '{':
            labels, i = parse_labels(line, i, where)
        rest = line[i:]
        if not rest.startswith(' '):
            raise ExpoError('%s: expected a space before the value' % where)
        fields = rest[1:].split(' ')
        if len(fields) not in (1, 2) or (len(fields) == 2 and not re.fullmatch(r'-?\d+', fields[1])):
            raise ExpoError('%s: expected "value [timestamp]"' % where)
        value = parse_value(fields[0], where)
        fam = family_of(name, types)
        if fam is None:
            raise ExpoError('%s: sample %s has no TYPE line before it' % (where, name))
        if fam != current:
            if current is not None:
                done.add(current)
            if fam in done:
                raise ExpoError('%s: samples of %s are not together' % (where, fam))
            current = fam
        k = key(name, labels)
        if k in series:
            raise ExpoError('%s: series %s twice' % (where, k))
        series[k] = value
        t = types[fam]
        if t == 'counter' and not (value >= 0):
            raise ExpoError('%s: counter %s is %r' % (where, k, value))
        if t == 'histogram':
            base = {l: v for l, v in labels.items() if l != 'le'}
            h = hist.setdefault(fam, {}).setdefault(key('', base), {'b': [], 'sum': None, 'count': None})
            if name == fam + '_bucket':
                if 'le' not in labels:
                    raise ExpoError('%s: bucket without le' % where)
                h['b'].append((parse_value(labels['le'], where), value))
            elif name == fam + '_sum':
                h['sum'] = value
            elif name == fam + '_count':
                h['count'] = value
            else:
                raise ExpoError('%s: histogram %s has a plain sample' % (where, fam))
    for fam, groups in hist.items():
        for g, h in groups.items():
            b = h['b']
            if not b or b[-1][0] != math.inf:
                raise ExpoError('%s%s: no +Inf bucket last' % (fam, g))
            if any(b[j][0] >= b[j + 1][0] for j in range(len(b) - 1)):
                raise ExpoError('%s%s: le bounds not ascending' % (fam, g))
            if any(b[j][1] > b[j + 1][1] for j in range(len(b) - 1)):
                raise ExpoError('%s%s: buckets not cumulative' % (fam, g))
            if h['count'] is None or h['sum'] is None:
                raise ExpoError('%s%s: _sum or _count missing' % (fam, g))
            if h['count'] != b[-1][1]:
                raise ExpoError('%s%s: _count %r != +Inf bucket %r' % (fam, g, h['count'], b[-1][1]))
    for name in helps:
        if name not in types:
            raise ExpoError('HELP for %s without TYPE' % name)
    return {'series': series, 'types': types}


def selftest():
    good = ('# HELP a_total A.\n# TYPE a_total counter\na_total{x="q\\"\\\\\\n"} 1\n'
            '# HELP h H.\n# TYPE h histogram\nh_bucket{le="1"} 1\nh_bucket{le="+Inf"} 2\n'
            'h_sum 3.5\nh_count 2\n')
    check(good)
    bad = {
        'no newline at end': good[:-1],
        'counter negative': '# TYPE a counter\na -1\n',
        'no TYPE': 'a 1\n',
        'bad value': '# TYPE a gauge\na 1x\n',
        'bad label': '# TYPE a gauge\na{1x="v"} 1\n',
        'unterminated label': '# TYPE a gauge\na{x="v} 1\n',
        'bad escape': '# TYPE a gauge\na{x="\\t"} 1\n',
        'duplicate series': '# TYPE a gauge\na 1\na 2\n',
        'two TYPE': '# TYPE a gauge\n# TYPE a gauge\na 1\n',
        'bad type': '# TYPE a thing\na 1\n',
        'interleaved': '# TYPE a gauge\n# TYPE b gauge\na 1\nb 1\na{x="1"} 1\n',
        'not cumulative': '# TYPE h histogram\nh_bucket{le="1"} 2\nh_bucket{le="+Inf"} 1\nh_sum 1\nh_count 1\n',
        'no +Inf': '# TYPE h histogram\nh_bucket{le="1"} 1\nh_sum 1\nh_count 1\n',
        'count mismatch': '# TYPE h histogram\nh_bucket{le="+Inf"} 2\nh_sum 1\nh_count 1\n',
        'le not ascending': '# TYPE h histogram\nh_bucket{le="2"} 1\nh_bucket{le="1"} 1\nh_bucket{le="+Inf"} 1\nh_sum 1\nh_count 1\n',
        'missing space': '# TYPE a gauge\na{}1\n',
        'HELP without TYPE': '# HELP a x\n',
    }
    for what, text in bad.items():
        try:
            check(text)
        except ExpoError:
            continue
        print('selftest: accepted malformed input (%s)' % what)
        return 1
    print('selftest: %d malformed inputs rejected' % len(bad))
    return 0


def fetch(url):
    with urllib.request.urlopen(url, timeout=10) as r:
        ctype = r.headers.get('Content-Type', '')
        if not ctype.startswith('text/plain; version=0.0.4'):
            raise ExpoError('%s: Content-Type is %r' % (url, ctype))
        return r.read().decode('utf-8')


def dump(out, f):
    for k in sorted(out['series']):
        v = out['series'][k]
        print('%s\t%s' % (k, int(v) if math.isfinite(v) and v == int(v) else repr(v)), file=f)


def main(argv):
    if len(argv) == 2 and argv[1] == '--selftest':
        return selftest()
    if len(argv) < 2:
        print(__doc__, file=sys.stderr)
        return 2
    failed = 0
    try:
        if len(argv) == 3 and argv[1] == '--file':
            with open(argv[2]) as f:
                dump(check(f.read()), sys.stdout)
        elif len(argv) == 2 and '=' not in argv[1]:
            dump(check(fetch(argv[1])), sys.stdout)
        else:
            for arg in argv[1:]:
                url, _, path = arg.partition('=')
                try:
                    out = check(fetch(url))
                except ExpoError as e:
                    print('prom_scrape: %s: %s' % (url, e), file=sys.stderr)
                    failed = 1
                    continue
                with open(path, 'w') as f:
                    dump(out, f)
    except (ExpoError, OSError) as e:
        print('prom_scrape: %s' % e, file=sys.stderr)
        return 1
    return failed


if __name__ == '__main__':
    sys.exit(main(sys.argv))
