#!/usr/bin/env python3
"""Walks `cases` pages of 100 to a cursor DEPTH rows in (cursors are sealed: only the server
can make one) and prints it, for the deep-page run of run.sh."""

import json
import sys
import urllib.request

url, token, depth = sys.argv[1], sys.argv[2], int(sys.argv[3])
query = "query($a: String) { cases(first: 100, after: $a) { pageInfo { endCursor hasNextPage } } }"
after, seen = None, 0
while seen < depth:
    body = json.dumps({"query": query, "variables": {"a": after}}).encode()
    req = urllib.request.Request(url, data=body, headers={
        "Content-Type": "application/json", "Authorization": f"Bearer {token}"})
    page = json.load(urllib.request.urlopen(req, timeout=60))["data"]["cases"]["pageInfo"]
    after, seen = page["endCursor"], seen + 100
    if not page["hasNextPage"]:
        break
print(after)
