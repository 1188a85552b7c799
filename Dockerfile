# marshal: one image, two commands. `marshal webhook` (the default) serves the webhooks on
# 8080; `marshal processor` runs the Slack app and the queue consumer (no port; run it with
# --no-healthcheck, or give ECS its own health check). Settings come from the environment;
# see .env.example and docs/deploy-aws.md.
FROM python:3.11-slim AS build
WORKDIR /src
COPY pyproject.toml README.md ./
COPY bot ./bot
# No extras: the dev extra's stub packages and test tools are not in the image.
# scripts/plain_install.py (a step of `bootstrap.py test`) installs this same way and starts it.
RUN pip install --no-cache-dir --prefix=/install .

FROM python:3.11-slim
ENV PYTHONUNBUFFERED=1 \
    PYTHONDONTWRITEBYTECODE=1 \
    MARSHAL_HTTP_HOST=0.0.0.0 \
    MARSHAL_HTTP_PORT=8080
COPY --from=build /install /usr/local
RUN useradd --system --uid 10001 --user-group --create-home --home-dir /app marshal
WORKDIR /app
USER marshal
EXPOSE 8080
# marshal stops cleanly on SIGTERM within 5 s (web first, so nothing new is accepted).
STOPSIGNAL SIGTERM
HEALTHCHECK --interval=15s --timeout=3s --start-period=20s --retries=3 \
    CMD ["python", "-c", "import os, urllib.request; urllib.request.urlopen('http://127.0.0.1:' + os.environ.get('MARSHAL_HTTP_PORT', '8080') + '/healthz', timeout=2)"]
ENTRYPOINT ["marshal"]
CMD ["webhook"]
