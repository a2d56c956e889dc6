"""A W&B server on 127.0.0.1 that records every request, for comparing W&B clients (the wandb logger's tests).

Usage: wandb_recording_server.py --record FILE --port-file FILE
It answers the GraphQL operations W&B's client sends with minimal plausible data, file_stream,
and the upload URLs it hands out (PUT). After each request FILE holds
[{"method", "path", "operation", "known", "status", "user_agent", "authorization", "body"}, ...]
(operation: the GraphQL operation's name; known: whether the server knew it; body: the JSON
sent, or for a PUT its size). The port goes to --port-file once the server listens. The
server stops when its standard input closes, so it never outlives the process that started it.
"""

import argparse
import json
import os
import re
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

ENTITY = "recorded-entity"
OPERATION_IN_QUERY = re.compile(r"^\s*(?:query|mutation)\s+(\w+)")


class Recording:
    def __init__(self, path):
        self.path = path
        self.lock = threading.Lock()
        self.requests = []
        self.history_lines = {}  # run name: lines its file_stream wrote

    def add(self, request):
        with self.lock:
            self.requests.append(request)
            temporary = self.path + ".tmp"
            with open(temporary, "w") as out:
                json.dump(self.requests, out, indent=1)
            os.replace(temporary, self.path)


def operation_name(body):
    if body.get("operationName"):
        return body["operationName"]
    match = OPERATION_IN_QUERY.match(body.get("query", ""))
    return match.group(1) if match else ""


def bucket(variables, recording):
    name = variables.get("name") or "run"
    return {
        "id": "UnVuOnYxOnJlY29yZGVk",
        "name": name,
        "displayName": variables.get("displayName") or name,
        "description": variables.get("notes") or "",
        "config": variables.get("config") or "{}",
        "sweepName": None,
        "historyLineCount": recording.history_lines.get(name, 0),
        "eventsLineCount": 0,
        "logLineCount": 0,
        "summaryMetrics": "{}",
        "wandbConfig": "{}",
        "historyTail": "[]",
        "eventsTail": "[]",
        "tags": variables.get("tags") or [],
        "group": variables.get("groupName"),
        "jobType": variables.get("jobType"),
        "createdAt": "2024-06-01T10:15:00",
        "project": {"id": "UHJvamVjdDp2MTpyZWNvcmRlZA==", "name": variables.get("project") or "uncategorized",
                    "entity": {"id": "RW50aXR5OnYxOnJlY29yZGVk", "name": variables.get("entity") or ENTITY}},
    }


def upload_urls(base, variables):
    run = variables.get("run") or variables.get("name") or "run"
    files = variables.get("files") or []
    return [{"name": name, "uploadUrl": f"{base}/upload/{run}/{name}", "uploadHeaders": []} for name in files]


def graphql_data(operation, variables, base, recording):
    if operation == "Viewer":
        return {"viewer": {"id": "VXNlcjp2MTpyZWNvcmRlZA==", "entity": ENTITY, "username": "recorder", "flags": "{}",
                           "teams": {"edges": []}}}
    if operation == "ServerFeaturesQuery":
        return {"serverInfo": {"features": []}}
    if operation in ("ServerInfo", "ServerInfoQuery"):
        return {"serverInfo": {"cliVersionInfo": {}, "latestLocalVersionInfo": None, "features": []}}
    if operation == "UpsertBucket":
        return {"upsertBucket": {"bucket": bucket(variables, recording), "inserted": True}}
    if operation == "RunResumeStatus":
        return {"model": {"id": "UHJvamVjdDp2MTpyZWNvcmRlZA==", "name": variables.get("project"),
                          "entity": {"id": "RW50aXR5OnYxOnJlY29yZGVk", "name": ENTITY}, "bucket": None}}
    if operation == "CreateRunFiles":
        return {"createRunFiles": {"runID": "UnVuOnYxOnJlY29yZGVk", "uploadHeaders": [],
                                   "files": upload_urls(base, variables)}}
    if operation == "RunUploadUrls":
        return {"model": {"bucket": {"id": "UnVuOnYxOnJlY29yZGVk", "files": {
            "uploadHeaders": [], "edges": [{"node": url} for url in upload_urls(base, variables)]}}}}
    if operation == "RunStoppedStatus":
        return {"project": {"run": {"stopped": False}}}
    if operation == "MarkRunFilesUploaded":
        return {"markRunFilesUploaded": {"success": True}}
    print(f"wandb_recording_server: unknown GraphQL operation {operation!r}", file=sys.stderr, flush=True)
    return None


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, format, *args):
        pass

    def read_body(self):
        length = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(length) if length else b""

    def answer(self, status, payload, body, operation="", known=True):
        self.server.recording.add({"method": self.command, "path": self.path, "operation": operation, "known": known,
                                   "status": status, "user_agent": self.headers.get("User-Agent", ""),
                                   "authorization": self.headers.get("Authorization", ""), "body": body})
        data = json.dumps(payload).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def do_POST(self):
        raw = self.read_body()
        try:
            body = json.loads(raw) if raw else None
        except ValueError:
            body = raw.decode(errors="replace")
        recording = self.server.recording
        if self.path.split("?")[0] == "/graphql" and isinstance(body, dict):
            operation = operation_name(body)
            base = f"http://127.0.0.1:{self.server.server_address[1]}"
            data = graphql_data(operation, body.get("variables") or {}, base, recording)
            return self.answer(200, {"data": data or {}}, body, operation, data is not None)
        if self.path.endswith("/file_stream"):
            run = self.path.split("/")[-2]
            history = ((body or {}).get("files") or {}).get("wandb-history.jsonl")
            if history:
                with recording.lock:
                    end = history["offset"] + len(history["content"])
                    recording.history_lines[run] = max(recording.history_lines.get(run, 0), end)
            return self.answer(200, {"exitcode": None, "limits": {}}, body)
        self.answer(404, {"error": f"no such endpoint: POST {self.path}"}, body, known=False)

    def do_PUT(self):
        body = {"size": len(self.read_body())}
        if not self.path.startswith("/upload/"):
            return self.answer(404, {"error": f"no such endpoint: PUT {self.path}"}, body, known=False)
        self.answer(200, {}, body)

    def do_GET(self):
        self.answer(404, {"error": f"no such endpoint: GET {self.path}"}, None, known=False)


class RecordingServer(ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request, client_address):
        if not isinstance(sys.exc_info()[1], ConnectionError):  # a client closing its idle connection is no error
            super().handle_error(request, client_address)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--record", required=True)
    parser.add_argument("--port-file", required=True)
    args = parser.parse_args()
    server = RecordingServer(("127.0.0.1", 0), Handler)
    server.recording = Recording(args.record)
    with open(args.record, "w") as out:
        json.dump([], out)
    with open(args.port_file + ".tmp", "w") as out:
        out.write(str(server.server_address[1]))
    os.replace(args.port_file + ".tmp", args.port_file)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    sys.stdin.read()
    server.shutdown()


if __name__ == "__main__":
    main()
