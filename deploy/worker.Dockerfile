# A rig worker image: the rig image (test-rig/Dockerfile, cambrian-rig:1) plus the built engine and bubblewrap, so the
# worker judges with the same rig and the same sandbox backend as a local run (docs/scale-out.md).
# UNTESTED here: no container engine runs on the machines this project is developed on.
#
#   npm ci && npm run build && docker build -t cambrian-rig:1 -f test-rig/Dockerfile test-rig
#   docker build -t cambrian-worker:1 -f deploy/worker.Dockerfile .
FROM cambrian-rig:1
RUN apt-get update \
 && apt-get install -y --no-install-recommends bubblewrap \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /opt/cambrian
COPY package.json package-lock.json ./
COPY node_modules ./node_modules
COPY dist ./dist
COPY spec ./spec
COPY test-rig ./test-rig
COPY generations/gen-0 ./generations/gen-0
ENTRYPOINT ["node", "/opt/cambrian/dist/src/cli/bin.js", "worker", "--sandbox", "bwrap"]
