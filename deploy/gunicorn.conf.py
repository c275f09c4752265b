"""gunicorn settings for the web app, on App Engine (app.yaml) and on a plain server (deploy/systemd).

    gunicorn -c deploy/gunicorn.conf.py "app:create_app()"

The app keeps no state in the process (the session is a signed cookie, everything else is in the database), so
any number of workers on any number of hosts serve the same users. Settings come from the environment:
PORT or GUNICORN_BIND (default 127.0.0.1:8000), WEB_CONCURRENCY workers (default 2 per core + 1),
GUNICORN_THREADS threads per worker (default 4).
"""

import multiprocessing
import os

bind = os.environ.get("GUNICORN_BIND") or (f":{os.environ['PORT']}" if os.environ.get("PORT") else "127.0.0.1:8000")
workers = int(os.environ.get("WEB_CONCURRENCY") or multiprocessing.cpu_count() * 2 + 1)
threads = int(os.environ.get("GUNICORN_THREADS", "4"))
worker_class = "gthread"
timeout = 30
graceful_timeout = 20
keepalive = 5
max_requests = 5000  # recycle workers now and then: bounded memory whatever a library leaks
max_requests_jitter = 500
accesslog = "-"
errorlog = "-"
# Behind App Engine's front end or nginx: trust X-Forwarded-Proto from the proxy in front of us.
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1")
