# The production image: one image, one process per container (the command picks the entry point in workers/).
FROM node:20-bookworm-slim
WORKDIR /app
ENV NODE_ENV=production SLUICE_ENV=production WORKFLOW_BUNDLE_PATH=/app/dist/workflow-bundle.js
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund --omit=dev
COPY . .
RUN mkdir -p dist && node --import tsx scripts/bundle-workflows.ts dist/workflow-bundle.js
USER node
EXPOSE 8080
# the API's node flags: platform/embedded/process.ts, ENTRY_NODE_FLAGS
CMD ["node", "--max-semi-space-size=64", "--min-semi-space-size=64", "--import", "tsx", "workers/api.ts"]
