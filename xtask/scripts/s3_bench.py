"""boto3's side of `cargo xtask bench storage` (run in the bench's boto3 venv).

  s3_bench.py upload ENDPOINT BUCKET KEY FILE   upload_file with default settings; prints seconds
  s3_bench.py seed ENDPOINT BUCKET PREFIX N     N sidecars, a thousand a day, 32 at a time

Keys come from AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY / AWS_REGION.
"""

import json
import sys
import time
from concurrent.futures import ThreadPoolExecutor

import boto3
from botocore.config import Config


def client(endpoint):
    return boto3.client(
        "s3",
        endpoint_url=endpoint,
        config=Config(s3={"addressing_style": "path"}, max_pool_connections=32),
    )


def upload(endpoint, bucket, key, path):
    s3 = client(endpoint)
    started = time.monotonic()
    s3.upload_file(path, bucket, key)
    print(f"{time.monotonic() - started:.3f}")


def seed(endpoint, bucket, prefix, n):
    s3 = client(endpoint)
    t0_ms = 1_790_000_000_000

    def put(i):
        ms = t0_ms + i * 60_000
        job = f"{ms:010x}{i & 0xFFFF:04x}"
        day = f"2026-10-{1 + i // 1000:02d}"
        side = {
            "clip": f"{job}-clip-{i}.mp4",
            "title": f"Clip {i}",
            "summary": f"What changed in clip {i}",
            "author": f"Author {i % 7}",
            "date": day,
            "duration_secs": 12.5,
            "job_id": job,
        }
        s3.put_object(
            Bucket=bucket,
            Key=f"{prefix}/{day}/{job}-clip-{i}.json",
            Body=json.dumps(side).encode(),
        )

    with ThreadPoolExecutor(32) as pool:
        list(pool.map(put, range(n)))


if __name__ == "__main__":
    what, args = sys.argv[1], sys.argv[2:]
    if what == "upload":
        upload(*args)
    elif what == "seed":
        seed(args[0], args[1], args[2], int(args[3]))
    else:
        sys.exit(f"unknown command {what}")
