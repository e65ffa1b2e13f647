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

from moto.core.responses import ActionResult  # noqa: E402
from moto.ec2.responses import EC2Response  # noqa: E402
from moto.iam.models import iam_backends  # noqa: E402
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
        return self._reply(404, {"error": f"unknown path {self.path}"})


def main():
    ready_file = sys.argv[1]
    moto_port = free_port()
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
