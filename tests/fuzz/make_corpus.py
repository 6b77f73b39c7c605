#!/usr/bin/env python3
"""Writes the seed corpus of the fuzz targets into corpus/<target>/ (run from anywhere:
`python3 tests/fuzz/make_corpus.py`). Everything is generated here: small hostile and ordinary
archives, API objects shaped like spec §4 / §9, references files (§7.1) and export logs (§8.3).
Re-running rewrites the same files. corpus/webhook_request/ belongs to the receiver's target."""
import gzip
import io
import json
import os
import tarfile
import zipfile

HERE = os.path.dirname(os.path.abspath(__file__))


def write(target, name, data):
    folder = os.path.join(HERE, "corpus", target)
    os.makedirs(folder, exist_ok=True)
    with open(os.path.join(folder, name), "wb") as f:
        f.write(data if isinstance(data, bytes) else data.encode())


# ---- archives -------------------------------------------------------------------------------
def tar_bytes(members, fmt=tarfile.GNU_FORMAT, mode="w"):
    """members: (name, kind, payload) with kind file | dir | sym | hard | chr | fifo."""
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode=mode, format=fmt) as tar:
        for name, kind, payload in members:
            info = tarfile.TarInfo(name)
            info.mtime = 1700000000
            data = None
            if kind == "file":
                data = payload.encode() if isinstance(payload, str) else payload
                info.size = len(data)
            elif kind == "dir":
                info.type = tarfile.DIRTYPE
                info.mode = 0o755
            elif kind == "sym":
                info.type = tarfile.SYMTYPE
                info.linkname = payload
            elif kind == "hard":
                info.type = tarfile.LNKTYPE
                info.linkname = payload
            elif kind == "chr":
                info.type = tarfile.CHRTYPE
                info.devmajor, info.devminor = 1, 3
            elif kind == "fifo":
                info.type = tarfile.FIFOTYPE
            tar.addfile(info, io.BytesIO(data) if data is not None else None)
    return buf.getvalue()


def zip_bytes(members):
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        for name, payload in members:
            z.writestr(name, payload)
    return buf.getvalue()


def archives():
    t = "archive_extract"
    plain = [("images/", "dir", None), ("images/a.jpg", "file", "jpeg bytes"), ("labels.json", "file", '{"a":1}')]
    write(t, "plain.tar", tar_bytes(plain))
    write(t, "plain.tar.gz", gzip.compress(tar_bytes(plain), mtime=0))
    write(t, "plain-pax.tar", tar_bytes(plain, fmt=tarfile.PAX_FORMAT))
    write(t, "plain.zip", zip_bytes([("images/a.jpg", "jpeg"), ("b.txt", "b")]))
    write(t, "dotdot.tar", tar_bytes([("../outside/secret.txt", "file", "overwritten")]))
    write(t, "absolute.tar", tar_bytes([("/tmp/bd-fuzz-absolute-escape", "file", "x")]))
    write(t, "symlink-out.tar", tar_bytes([("link", "sym", "../outside"), ("link/secret.txt", "file", "through")]))
    write(t, "symlink-abs.tar", tar_bytes([("etc", "sym", "/etc"), ("etc/bd-fuzz", "file", "x")]))
    # Link chains, both orders: a link whose path runs through components that do not exist yet,
    # then a later link that makes them exist (issue 14, finding 1).
    write(t, "chain-a.tar", tar_bytes([("a/b/c/up", "sym", "../../../../outside"), ("a/b/c", "dir", None),
                                       ("x", "sym", "a/b/c/up"), ("x/secret.txt", "file", "chain")]))
    write(t, "chain-b.tar", tar_bytes([("d", "sym", "e/f"), ("e", "sym", "."), ("f", "sym", ".."),
                                       ("d/outside/.bashrc", "file", "echo pwned\n")]))
    write(t, "chain-c.tar", tar_bytes([("p/q", "sym", ".."), ("p", "sym", "planted"), ("p/secret.txt", "file", "x")]))
    write(t, "planted.tar", tar_bytes([("planted/secret.txt", "file", "through the planted link"),
                                       ("planted/sub/new.txt", "file", "x")]))
    write(t, "hardlink-out.tar", tar_bytes([("h", "hard", "../outside/secret.txt"), ("h", "file", "appended")]))
    write(t, "hardlink-planted.tar", tar_bytes([("h", "hard", "planted/secret.txt"), ("h2", "hard", "h")]))
    write(t, "hardlink-chain.tar", tar_bytes([("s", "sym", "planted"), ("h", "hard", "s/.bashrc"), ("h", "file", "x")]))
    write(t, "devices.tar", tar_bytes([("null", "chr", None), ("pipe", "fifo", None), ("ok.txt", "file", "ok")]))
    write(t, "collide.tar", tar_bytes([(".export_log.jsonl", "file", "{}\n"), ("a.part", "file", "p"),
                                       ("a", "file", "1"), ("a", "dir", None), ("a/b", "file", "2")]))
    write(t, "zip-slip.zip", zip_bytes([("../outside/secret.txt", "zip slip"), ("ok.txt", "ok")]))
    write(t, "bomb-small.tar.gz", gzip.compress(tar_bytes([("zeros.bin", "file", bytes(4 << 20))]), mtime=0))
    write(t, "many-links.tar", tar_bytes([(f"l{i}", "sym", "../outside") for i in range(60)]
                                          + [(f"f{i}", "file", "x") for i in range(60)]))


# ---- API objects ----------------------------------------------------------------------------
def api():
    t = "api_decode"
    ts = "2026-12-05T10:00:00.000Z"
    batch = {"batchId": "b-1", "displayName": "B", "batchType": "sharded-batch", "batchContentType": "images",
             "createdDate": ts, "expiryDate": "2026-12-12T10:00:00Z"}
    files = {"files": [{"downloadURL": "http://127.0.0.1:1/signed/get/k/a.jpg?expires=1&signature=ab",
                        "fileName": "a.jpg", "partName": None, "shardId": "s1", "contentType": "image/jpeg"},
                       {"downloadURL": "https://h/x", "fileName": "../x", "contentType": "application/x-tar",
                        "nestedContentType": "image/jpeg", "partName": "p"}],
             "nextPageToken": "YWJj+/=="}
    shard = {"shardId": "s1", "statusName": "ingest-complete", "statusType": "success", "eventTimestamp": ts,
             "shardObjectsCount": 3, "statusMetadata": {"ingestedFiles": 3, "failedFiles": []}}
    upload = {"status": "ok", "signedURLDetails": {"uploadURL": "http://127.0.0.1:1/signed/put/u?expires=1",
                                                   "extensionHeaders": {"X-Goog-Content-Length-Range": "0,5368709120"}}}
    ingest = {"ingestId": "abc", "shardIds": ["s1", "s2"], "duplicated": False}
    job = {"jobId": "j1", "name": "job", "jobDefinition": {"type": "simple-image-processing-v1"},
           "currentStage": "processing", "plannedStages": ["processing", "export"], "error": False,
           "isTerminal": True, "lastNotification": {"x": 1}, "createdAt": ts, "lastUpdate": ts,
           "restartParametersOverride": []}
    stage = {"processingStageId": "processing", "processingStageName": "processing", "tasksNumber": 2,
             "outputBatches": ["out-1"], "startTimestamp": ts, "notification": "done", "statusType": "success",
             "lastEventTimestamp": ts}
    task = {"taskId": "t1", "notification": {"m": 1}, "statusType": "info", "progress": 0.5, "eventTimestamp": ts}
    log = {"createdAt": ts, "processingStageId": "processing", "taskId": "t1", "severity": "warning",
           "reportingModule": "m", "logType": "lt", "payload": {"k": "v"}}
    part = {"partName": "p", "partType": "archive", "contentType": "application/x-tar", "partDescription": "d"}
    for name, obj in [("batch", batch), ("files", files), ("shard", shard), ("upload", upload), ("ingest", ingest),
                      ("job", job), ("stage", stage), ("task", task), ("log", log), ("part", part)]:
        write(t, name + ".json", json.dumps(obj))
    write(t, "listing.json", json.dumps({"batches": [batch, dict(batch, createdDate="2026-12-05T10:00:00")],
                                         "shards": [shard], "jobs": [job], "stages": [stage], "tasks": [task],
                                         "logs": [log], "parts": [part], "nextPageToken": None}))
    write(t, "wrong-types.json", json.dumps({"batchId": 1, "createdDate": [], "shardObjectsCount": "3", "progress": "x",
                                             "severity": "ERROR", "extensionHeaders": [1]}))
    write(t, "truncated.json", json.dumps(files)[:57])


# ---- references files -----------------------------------------------------------------------
def references():
    t = "references_jsonl"
    good = [{"name": f"img-{i}.jpg", "url": f"https://bucket.example/img-{i}.jpg?X-Goog-Signature=deadbeef{i}"}
            for i in range(3)]
    write(t, "good.jsonl", "\n".join(json.dumps(r) for r in good) + "\n")
    write(t, "problems.jsonl", "\n".join(json.dumps(r) for r in [
        {"name": "", "url": "https://h/a?sig=secretsecret"}, {"name": "a/b.jpg", "url": "https://h/b"},
        {"name": "dup.jpg", "url": "ftp://h/c?token=secretsecret"}, {"name": "dup.jpg", "url": "not a url"},
        {"name": "e.jpg", "url": ""}]) + "\n\n")
    write(t, "bad-line.jsonl", '{"name": "a.jpg", "url": "https://h/a"}\n[1,2]\n')
    write(t, "missing-url.jsonl", '{"name": "a.jpg"}\n')
    write(t, "crlf.jsonl", '{"name": "a.jpg", "url": "https://h/a"}\r\n\r\n{"name": "b.jpg", "url": "https://h/b"}\r\n')
    write(t, "unicode.jsonl", json.dumps({"name": "\u00e9t\u00e9 \U0001F4F7.jpg", "url": "https://h/\u00e9"},
                                         ensure_ascii=False) + "\n")


# ---- export logs ----------------------------------------------------------------------------
def export_logs():
    t = "export_log"
    meta = {"downloadURL": "http://127.0.0.1:1/signed/get/k/a.jpg?expires=1&signature=ab", "fileName": "a.jpg",
            "partName": None, "shardId": None, "contentType": "image/jpeg", "nestedContentType": None}
    arch = dict(meta, fileName="part-1.tar", partName="p", shardId="s", contentType="application/x-tar",
                nestedContentType="image/jpeg")
    lines = [json.dumps({"file_metadata": meta, "local_path": "/tmp/x/a.jpg"}),
             json.dumps({"file_metadata": arch, "local_path": "/tmp/x/part-1"})]
    write(t, "good.jsonl", "\n".join(lines) + "\n")
    write(t, "torn.jsonl", lines[0] + "\n" + lines[1][:40])
    write(t, "garbage.jsonl", "not json\n{}\n[]\n" + json.dumps({"file_metadata": {"fileName": 3}}) + "\n")
    write(t, "empty-values.jsonl", json.dumps({"file_metadata": dict(meta, partName="", shardId=""),
                                               "local_path": ""}) + "\n")
    write(t, "unicode.jsonl", json.dumps({"file_metadata": dict(meta, fileName="\u00e9\u0000.jpg"),
                                          "local_path": "/tmp/\u00e9"}, ensure_ascii=False) + "\n")


if __name__ == "__main__":
    archives()
    api()
    references()
    export_logs()
