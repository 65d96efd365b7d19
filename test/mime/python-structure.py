# Independent MIME parse with Python's email package: prints the part tree with each leaf's raw payload
# (base64 of the bytes between its header and the next delimiter), for comparison with summarize.ts.
import base64, json, sys
from email import policy
from email.parser import BytesParser

def node(msg):
    out = {'type': msg.get_content_maintype(), 'subtype': msg.get_content_subtype()}
    payload = msg.get_payload()
    if msg.is_multipart():
        if isinstance(payload, list) and msg.get_content_maintype() == 'message':
            out['message'] = node(payload[0])
        else:
            out['children'] = [node(p) for p in payload]
    else:
        raw = msg._payload or ''  # the undecoded payload as parsed (get_payload would decode 8bit text)
        raw = raw.encode('ascii', 'surrogateescape')
        out['payload'] = base64.b64encode(raw).decode()
    return out

data = sys.stdin.buffer.read()
msg = BytesParser(policy=policy.compat32).parsebytes(data)
print(json.dumps(node(msg)))
