#!/usr/bin/env python3
"""Rough figures for the message gateway (issue 14): registers N people through the API of a server
started with `plenary serve --demo --port PORT --data-dir DIR` (no SMTP: the mail drop), sends them
one bulk message, and reports how fast it was queued and how fast the sender emptied the outbox into
the mail drop. Usage: messages-bulk.py PORT DIR [N]."""
import json, os, re, sys, time, urllib.request

port, data = sys.argv[1], sys.argv[2]
n = int(sys.argv[3]) if len(sys.argv) > 3 else 2000
log = open(os.path.join(os.path.dirname(data.rstrip('/')), 'serve.log')).read()
key = re.search(r"service 'mail' key:\s+(\S+)", log).group(1)
base = 'http://localhost:' + port


def post(path, body):
    req = urllib.request.Request(base + path, data=json.dumps(body).encode(),
                                 headers={'Authorization': 'Bearer ' + key, 'Content-Type': 'application/json'})
    with urllib.request.urlopen(req) as r:
        return json.loads(r.read())


drop = os.path.join(data, 'mail-drop')


def dropped():
    # the mail drop's folder is made with its first message; a second run on the same server counts on from the first's
    return len(os.listdir(drop)) if os.path.isdir(drop) else 0


run = '%x' % int(time.time())
ids = [post('/api/v1/subjects', {"fields": {"email": "b%s-%d@example.org" % (run, i), "name": "B%d" % i}})['id'] for i in range(n)]
before = dropped()
t = time.time()
answer = post('/api/v1/messages/bulk', {"subject_ids": ids, "kind": "transactional", "purpose": "provide", "subject": "Receipt", "body": "Thanks."})
queued = time.time() - t
print('bulk %s in %.2f s: %.0f messages/s queued' % (answer, queued, n / queued))
while dropped() - before < n and time.time() - t < 300:
    time.sleep(0.1)
print('%d in the mail drop %.1f s after the bulk request began: %.0f messages/s delivered' % (dropped() - before, time.time() - t, n / (time.time() - t)))
