"""Runs the moto AWS emulator in-process, plus a small control endpoint for test fixtures.

Why in-process: moto has no API to back-date an IAM access key, but its backend objects can be
changed directly from the same process. The control endpoint exposes exactly that and nothing else.

Usage: server.py READY_FILE
Writes {"endpoint": "http://127.0.0.1:P", "control": "http://127.0.0.1:Q", "pid": N} to READY_FILE
once both listen, then serves until SIGTERM/SIGINT.
"""

import datetime
import json
import os
import signal
import socket
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

os.environ.setdefault("MOTO_EC2_LOAD_DEFAULT_AMIS", "false")
# AWS-managed policies (AWSSupportAccess, ...) exist in every real account; tests attach them.
os.environ.setdefault("MOTO_IAM_LOAD_MANAGED_POLICIES", "true")

from moto.core.responses import ActionResult  # noqa: E402
from moto.ec2.responses import EC2Response  # noqa: E402
from moto.iam.models import iam_backends  # noqa: E402
from moto.securityhub import urls as securityhub_urls  # noqa: E402
from moto.securityhub.responses import SecurityHubResponse  # noqa: E402
from moto.moto_server.threaded_moto_server import ThreadedMotoServer  # noqa: E402
import moto.core.utils as moto_utils  # noqa: E402

# Two gaps in moto 5.2.5 that the Rust SDK trips over, mended in the emulator (never in Palisade):

_load_service_model = moto_utils._load_service_model


def _load_service_model_fixed(service_name, model_name):
    # moto wraps GetBucketVersioning's answer in <GetBucketVersioningResponse>; S3 answers with
    # <VersioningConfiguration>, and the Rust SDK checks the root element.
    model = _load_service_model(service_name, model_name)
    if service_name == "s3" and model_name == "service-2":
        model["operations"]["GetBucketVersioning"]["output"]["resultWrapper"] = "VersioningConfiguration"
    return model


moto_utils._load_service_model = _load_service_model_fixed


def _get_ebs_default_kms_key_id(self):
    # moto 5.2.5 lacks GetEbsDefaultKmsKeyId (it answers HTTP 500). Real AWS answers with the
    # chosen key, or alias/aws/ebs until one is chosen; moto already keeps the chosen key.
    return ActionResult({"KmsKeyId": self.ec2_backend.default_kms_key_id or "alias/aws/ebs"})


if not hasattr(EC2Response, "get_ebs_default_kms_key_id"):
    EC2Response.get_ebs_default_kms_key_id = _get_ebs_default_kms_key_id


from moto.ec2.exceptions import EC2ClientError  # noqa: E402
from moto.ec2.models.network_acls import NetworkAclBackend  # noqa: E402


class InvalidNetworkAclIdError(EC2ClientError):
    def __init__(self, network_acl_id):
        super().__init__("InvalidNetworkAclID.NotFound", f"The networkAcl ID '{network_acl_id}' does not exist")


_describe_network_acls = NetworkAclBackend.describe_network_acls


def _describe_network_acls_fixed(self, network_acl_ids=None, filters=None):
    # moto 5.2.5 answers an unknown NetworkAclIds entry with InvalidRouteTableID.NotFound; AWS
    # answers InvalidNetworkAclID.NotFound, which is what collectors read as "gone".
    known = {acl.id for acl in self.network_acls.values()}
    for acl_id in network_acl_ids or []:
        if acl_id not in known:
            raise InvalidNetworkAclIdError(acl_id)
    return _describe_network_acls(self, network_acl_ids, filters)


NetworkAclBackend.describe_network_acls = _describe_network_acls_fixed

# moto 5.2.5 speaks CloudWatch's query and JSON protocols only; the Rust SDK speaks Smithy RPC v2
# CBOR (POST /service/GraniteServiceVersion20100801/operation/<Op>, application/cbor). This shim
# turns such a request into the JSON protocol moto understands and the answer back into CBOR.
import base64  # noqa: E402
import io  # noqa: E402
import struct  # noqa: E402

from moto.core.utils import get_service_model  # noqa: E402
from moto.moto_server.werkzeug_app import DomainDispatcherApplication  # noqa: E402

_CBOR_PATH = "/service/GraniteServiceVersion20100801/operation/"
_BREAK = object()


class _Epoch(float):
    """A timestamp, sent as CBOR tag 1 (epoch seconds)."""


def _cbor_decode(data):
    pos = 0

    def read(n):
        nonlocal pos
        chunk = data[pos : pos + n]
        pos += n
        return chunk

    def argument(info):
        if info < 24:
            return info
        if info == 31:
            return None  # indefinite length
        size = {24: 1, 25: 2, 26: 4, 27: 8}[info]
        return int.from_bytes(read(size), "big")

    def item():
        initial = read(1)[0]
        major, info = initial >> 5, initial & 31
        if major == 7:
            if info in (20, 21):
                return info == 21
            if info in (22, 23):
                return None
            if info == 31:
                return _BREAK
            fmt, size = {25: (">e", 2), 26: (">f", 4), 27: (">d", 8)}[info]
            return struct.unpack(fmt, read(size))[0]
        n = argument(info)
        if major == 0:
            return n
        if major == 1:
            return -1 - n
        if major in (2, 3):
            if n is None:
                parts = []
                while (part := item()) is not _BREAK:
                    parts.append(part)
                return b"".join(parts) if major == 2 else "".join(parts)
            raw = read(n)
            return raw if major == 2 else raw.decode()
        if major == 4:
            if n is None:
                out = []
                while (value := item()) is not _BREAK:
                    out.append(value)
                return out
            return [item() for _ in range(n)]
        if major == 5:
            out = {}
            while n is None or len(out) < n:
                key = item()
                if key is _BREAK:
                    break
                out[key] = item()
            return out
        return item()  # a tag: epoch timestamps become the number the JSON protocol sends

    return item() if data else {}


def _cbor_encode(value):
    def head(major, n):
        if n < 24:
            return bytes([major << 5 | n])
        for info, size in ((24, 1), (25, 2), (26, 4), (27, 8)):
            if n < 1 << (8 * size):
                return bytes([major << 5 | info]) + n.to_bytes(size, "big")
        raise ValueError(n)

    if value is None:
        return b"\xf6"
    if value is True or value is False:
        return b"\xf5" if value else b"\xf4"
    if isinstance(value, _Epoch):
        return b"\xc1" + b"\xfb" + struct.pack(">d", value)
    if isinstance(value, int):
        return head(0, value) if value >= 0 else head(1, -1 - value)
    if isinstance(value, float):
        return b"\xfb" + struct.pack(">d", value)
    if isinstance(value, str):
        raw = value.encode()
        return head(3, len(raw)) + raw
    if isinstance(value, bytes):
        return head(2, len(value)) + value
    if isinstance(value, list):
        return head(4, len(value)) + b"".join(_cbor_encode(v) for v in value)
    if isinstance(value, dict):
        return head(5, len(value)) + b"".join(_cbor_encode(k) + _cbor_encode(v) for k, v in value.items())
    raise TypeError(type(value))


def _typed(value, shape):
    """JSON-protocol values as their CBOR types: timestamps tagged, blobs as bytes, doubles as floats."""
    if shape is None:
        return value
    kind = shape.type_name
    if kind == "structure" and isinstance(value, dict):
        return {k: _typed(v, shape.members.get(k)) for k, v in value.items()}
    if kind == "list" and isinstance(value, list):
        return [_typed(v, shape.member) for v in value]
    if kind == "map" and isinstance(value, dict):
        return {k: _typed(v, shape.value) for k, v in value.items()}
    if kind == "timestamp":
        if isinstance(value, str):
            value = datetime.datetime.fromisoformat(value.replace("Z", "+00:00")).timestamp()
        return _Epoch(value)
    if kind == "blob" and isinstance(value, str):
        return base64.b64decode(value)
    if kind in ("double", "float") and isinstance(value, int) and not isinstance(value, bool):
        return float(value)
    return value


_dispatch = DomainDispatcherApplication.__call__


def _dispatch_cbor(self, environ, start_response):
    path = environ.get("PATH_INFO", "")
    if not path.startswith(_CBOR_PATH):
        return _dispatch(self, environ, start_response)
    operation = path[len(_CBOR_PATH) :]
    length = int(environ.get("CONTENT_LENGTH") or 0)
    request = _cbor_decode(environ["wsgi.input"].read(length))
    body = json.dumps(request, default=lambda b: base64.b64encode(b).decode()).encode()
    environ = dict(environ)
    environ.update(
        {
            "PATH_INFO": "/",
            "CONTENT_TYPE": "application/x-amz-json-1.0",
            "CONTENT_LENGTH": str(len(body)),
            "HTTP_X_AMZ_TARGET": f"GraniteServiceVersion20100801.{operation}",
            "wsgi.input": io.BytesIO(body),
        }
    )
    captured = {}

    def capture(status, headers, exc_info=None):
        captured["status"], captured["headers"] = status, headers
        return lambda data: None

    answer = b"".join(_dispatch(self, environ, capture))
    parsed = json.loads(answer) if answer.strip() else {}
    if captured["status"].startswith("2"):
        operation_model = get_service_model("cloudwatch").operation_model(operation)
        parsed = _typed(parsed, operation_model.output_shape)
    else:
        # The JSON protocol names the error in "__type", maybe as "namespace#Code"; CBOR wants the code.
        code = str(parsed.get("__type", "")).split("#")[-1]
        parsed = {"__type": code, "message": parsed.get("message") or parsed.get("Message")}
    data = _cbor_encode(parsed)
    headers = [(k, v) for k, v in captured["headers"] if k.lower() not in ("content-type", "content-length")]
    headers += [("Content-Type", "application/cbor"), ("Content-Length", str(len(data))), ("smithy-protocol", "rpc-v2-cbor")]
    start_response(captured["status"], headers)
    return [data]


DomainDispatcherApplication.__call__ = _dispatch_cbor

# Fault injection for tests: requests signed by a key of a chosen account for a chosen service
# answer as AWS does when it throttles (EC2's RequestLimitExceeded), so a test can prove one
# account's throttling is retried, recorded and does not stop the others. Keyed by account, so
# tests sharing the emulator do not see each other's faults.
_throttled = {}  # (account_id, service) -> number of requests throttled so far
_throttled_lock = threading.Lock()
_dispatch_unthrottled = DomainDispatcherApplication.__call__


def _signing(environ):
    """(access key, service) from a SigV4 Authorization header, or (None, None)."""
    auth = environ.get("HTTP_AUTHORIZATION", "")
    marker = "Credential="
    if marker not in auth:
        return None, None
    scope = auth.split(marker, 1)[1].split(",", 1)[0].split("/")
    return (scope[0], scope[3]) if len(scope) >= 5 else (None, None)


def _dispatch_with_faults(self, environ, start_response):
    if _throttled:
        key, service = _signing(environ)
        if key is not None:
            from moto.iam.models import get_account_id_from

            fault = (get_account_id_from(key), service)
            with _throttled_lock:
                hit = fault in _throttled
                if hit:
                    _throttled[fault] += 1
            if hit and service == "ec2":
                body = (
                    "<Response><Errors><Error><Code>RequestLimitExceeded</Code>"
                    "<Message>Request limit exceeded.</Message></Error></Errors>"
                    "<RequestID>palisade-fault</RequestID></Response>"
                ).encode()
                start_response("503 Service Unavailable", [("Content-Type", "text/xml"), ("Content-Length", str(len(body)))])
                return [body]
    return _dispatch_unthrottled(self, environ, start_response)


DomainDispatcherApplication.__call__ = _dispatch_with_faults



def _get_enabled_standards(self):
    # moto 5.2.5 lacks GetEnabledStandards (it answers HTTP 404) and tracks no standards, so
    # answer as a hub with none enabled; a hub that is not enabled answers as DescribeHub does.
    self.securityhub_backend.describe_hub()
    return json.dumps({"StandardsSubscriptions": []})


if not hasattr(SecurityHubResponse, "get_enabled_standards"):
    SecurityHubResponse.get_enabled_standards = _get_enabled_standards
    securityhub_urls.url_paths["{0}/standards/get$"] = SecurityHubResponse.dispatch


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Control(BaseHTTPRequestHandler):
    def log_message(self, *args):  # quiet
        pass

    def _reply(self, code, body):
        data = json.dumps(body).encode()
        self.send_response(code)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def do_POST(self):
        length = int(self.headers.get("Content-Length", "0"))
        try:
            req = json.loads(self.rfile.read(length) or b"{}")
        except ValueError as e:
            return self._reply(400, {"error": f"bad json: {e}"})
        if self.path == "/iam/backdate-access-key":
            # {"account_id", "user_name", "access_key_id", "days"}
            try:
                backend = iam_backends[req["account_id"]]["aws"]
                user = backend.get_user(req["user_name"])
                key = next(k for k in user.access_keys if k.access_key_id == req["access_key_id"])
            except (KeyError, StopIteration, Exception) as e:  # noqa: BLE001 - report any lookup failure
                return self._reply(404, {"error": f"access key not found: {e}"})
            key.create_date = datetime.datetime.now(datetime.timezone.utc).replace(tzinfo=None) - datetime.timedelta(
                days=float(req["days"])
            )
            return self._reply(200, {"ok": True})
        if self.path == "/faults/throttle":
            # {"account_id", "service"}: from now on throttle that account's calls to the service
            # (EC2 only). Answers how many of its requests were throttled so far.
            if req.get("service") != "ec2":
                return self._reply(400, {"error": "only ec2 can be throttled"})
            with _throttled_lock:
                count = _throttled.setdefault((req["account_id"], req["service"]), 0)
            return self._reply(200, {"throttled": count})
        return self._reply(404, {"error": f"unknown path {self.path}"})


def main():
    ready_file = sys.argv[1]
    # A fixed port lets a test restart the emulator where its clients expect it.
    moto_port = int(os.environ.get("PALISADE_EMULATOR_PORT") or free_port())
    moto = ThreadedMotoServer(ip_address="127.0.0.1", port=moto_port, verbose=False)
    moto.start()
    control = ThreadingHTTPServer(("127.0.0.1", 0), Control)
    threading.Thread(target=control.serve_forever, daemon=True).start()
    info = {
        "endpoint": f"http://127.0.0.1:{moto_port}",
        "control": f"http://127.0.0.1:{control.server_address[1]}",
        "pid": os.getpid(),
    }
    tmp = ready_file + ".tmp"
    with open(tmp, "w") as f:
        json.dump(info, f)
    os.replace(tmp, ready_file)
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    stop.wait()
    control.shutdown()
    moto.stop()


if __name__ == "__main__":
    main()
