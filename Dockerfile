# The service, as docker-compose.yml runs it against its own PostgreSQL (DATABASE_URL).
# Node 24 is the LTS a production image should use (see the benchmark in the README).
FROM node:24-bookworm-slim

WORKDIR /app
ENV NODE_ENV=production

# Install first (cached layer); postinstall generates the Prisma client from prisma/schema.prisma.
COPY package.json package-lock.json prisma.config.ts ./
COPY scripts/generate-client.mjs scripts/
COPY prisma ./prisma
# --include=dev: NODE_ENV=production would skip the prisma CLI that postinstall generates the client with.
RUN npm ci --include=dev --no-audit --no-fund && npm cache clean --force

COPY . .
# The service runs as JavaScript built from src/ (what `npm start` builds first, as its prestart).
RUN node scripts/build.mjs
USER node
EXPOSE 3000
HEALTHCHECK --interval=10s --timeout=3s --start-period=30s --retries=3 \
  CMD node -e "fetch('http://127.0.0.1:3000/readyz').then(r => process.exit(r.ok ? 0 : 1)).catch(() => process.exit(1))"
# The same command as a developer's `npm start` (built above): migrate, then serve. Node itself,
# not npm, so that docker stop's SIGTERM reaches the service and it drains. The --import loads
# OpenTelemetry tracing first when OTEL_* variables ask for it, and nothing otherwise.
# --max-semi-space-size=8 caps V8's young generation at half Node 20's own size: Node 24 lets it grow to
# 64 MB a semi-space (128 MB in all), which kept an export's server ~100 MB more resident, and at 16 an
# export still peaked over 200 MB on Node 24 (README, Commands and Performance).
CMD ["node", "--max-semi-space-size=8", "--enable-source-maps", "--import", "./dist/telemetry/register.js", "dist/server.js"]
