# One image for every engine role: `docker run IMAGE <role>` (see src/roles/index.ts for the roles).
FROM node:20-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY events ./events
COPY src ./src
COPY workers ./workers
COPY scripts/copy-lua.mjs ./scripts/copy-lua.mjs
COPY console ./console
RUN npm run build && npm run build:console && npm prune --omit=dev

FROM node:20-bookworm-slim
# The attachment store outside /app (the code is root's and read-only to the roles): smtp, api and
# outbound mount one volume here (docker-compose.yml). Made here, owned by node, so that a fresh
# named volume mounted on it starts with that owner and the roles can write to it.
ENV NODE_ENV=production CS_CONFIG_DIR=/app/config ATTACHMENTS_DIR=/var/lib/cs/attachments
RUN mkdir -p /var/lib/cs/attachments && chown -R node:node /var/lib/cs
WORKDIR /app
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
COPY --from=build /app/console/dist ./console/dist
COPY --from=build /app/package.json ./package.json
COPY bin ./bin
COPY config ./config
USER node
# Roles stop gracefully on SIGTERM; node runs as PID 1 without a shell in between. A young
# generation of 64 MB: the fold and the bridge make many short-lived objects per event, and with
# the default most of them were copied once more before dying (bench:fold, about 5-10 % faster).
ENTRYPOINT ["node", "--max-semi-space-size=64", "dist/workers/main.js"]
CMD ["all"]
