# syntax=docker/dockerfile:1
#
# plenary serve in a container: docs/operations.md, "Containers".
#   docker build -t plenary:dev .
#   docker run --rm -p 8080:8080 -v plenary-data:/var/lib/plenary plenary:dev
# The first stage builds plenary.jar with Maven; the second holds only a Java 17 runtime, the jar
# and its libraries, and runs as an unprivileged user. (This image was not built on the machine these
# files were written on, which has no Docker; see operations.md.)

FROM maven:3.9-eclipse-temurin-17 AS build
WORKDIR /src
COPY . .
# BuildKit's cache keeps the Maven repository between builds; tests run in CI, not here
RUN --mount=type=cache,target=/root/.m2 mvn -B -q -DskipTests -Denforcer.skip=false package -pl privacy-app -am

FROM eclipse-temurin:17-jre
# a user of its own, no shell, no home outside the data directory
RUN groupadd --system --gid 10001 plenary \
 && useradd --system --uid 10001 --gid plenary --home-dir /var/lib/plenary --no-create-home --shell /usr/sbin/nologin plenary \
 && mkdir -p /var/lib/plenary/keys /opt/plenary \
 && chown -R plenary:plenary /var/lib/plenary && chmod -R 700 /var/lib/plenary
COPY --from=build /src/privacy-app/target/plenary.jar /opt/plenary/plenary.jar
COPY --from=build /src/privacy-app/target/lib/ /opt/plenary/lib/
USER 10001:10001
WORKDIR /var/lib/plenary
# the embedded database (one node only), the key files (keys/: the same on every node), the audit
# checkpoints this node signs, the mail drop
VOLUME ["/var/lib/plenary"]
ENV PLENARY_DATA_DIR=/var/lib/plenary \
    PLENARY_SERVER_HOST=0.0.0.0 \
    PLENARY_SERVER_PORT=8080 \
    JAVA_TOOL_OPTIONS="-XX:MaxRAMPercentage=75 -XX:+ExitOnOutOfMemoryError"
EXPOSE 8080
# liveness only: readiness (/health/ready: the database, and the event broker with the Kafka sink) is
# for the load balancer. bash's /dev/tcp, so the image needs no curl.
HEALTHCHECK --interval=15s --timeout=3s --start-period=60s --retries=3 \
  CMD ["bash", "-c", "exec 3<>/dev/tcp/127.0.0.1/${PLENARY_SERVER_PORT:-8080} && printf 'GET /health/live HTTP/1.0\\r\\nHost: localhost\\r\\n\\r\\n' >&3 && head -n 1 <&3 | grep -q ' 200 '"]
# exec form: java is PID 1 and gets SIGTERM, which stops the server gracefully (server.shutdown_grace)
ENTRYPOINT ["java", "-jar", "/opt/plenary/plenary.jar"]
CMD ["serve"]
