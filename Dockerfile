# The oarspawner service as a container image, for the Helm chart (helm/oarspawner).
#   docker build -t oarspawner:0.1.0-SNAPSHOT .
#   docker run --rm oarspawner:0.1.0-SNAPSHOT --version
# NOT BUILT NOR RUN IN THIS PROJECT'S TESTS: the build machine has no container engine and reaches no image registry
# (docs/deploy.md). What is tested is the jar it packages (java -jar, ServiceProcess ITs) and its configuration.

# Build stage: the runnable jar, from the sources (Maven Central only).
FROM maven:3.9-eclipse-temurin-17 AS build
WORKDIR /src
COPY pom.xml ./
COPY spawner-api spawner-api
COPY oar-backend oar-backend
COPY proxy proxy
COPY service service
RUN mvn -B -ntp -pl service -am package -DskipTests \
 && cp service/target/oarspawner-*.jar /oarspawner.jar

# Run stage: a JRE (Eclipse Temurin 17 on Ubuntu), the jar, and nothing else.
FROM eclipse-temurin:17-jre
LABEL org.opencontainers.image.title="oarspawner" \
      org.opencontainers.image.description="JupyterHub notebook servers as OAR jobs: the REST service behind OARSpawner"
# A fixed non-root uid/gid, which the chart's securityContext (runAsUser/runAsGroup/fsGroup) names too.
RUN groupadd --system --gid 10001 oarspawner \
 && useradd --system --uid 10001 --gid 10001 --home-dir /nonexistent --no-create-home --shell /usr/sbin/nologin oarspawner \
 && install -d -m 0755 /etc/oarspawner /opt/oarspawner
COPY --from=build /oarspawner.jar /opt/oarspawner/oarspawner.jar
# The JVM's flags, the one list every launcher of the jar reads (heap bound, serial GC, exit on OutOfMemoryError, no
# hsperfdata file so that a read-only root filesystem needs no writable /tmp for it).
COPY deploy/jvm.options /opt/oarspawner/jvm.options
# The configuration (/etc/oarspawner/oarspawner.yaml) and the secrets are mounted there: a ConfigMap and Secrets.
VOLUME ["/etc/oarspawner"]
# In a pod the API must listen beyond loopback; every other key comes from the mounted file or OARSPAWNER_* variables.
ENV OARSPAWNER_HTTP__HOST=0.0.0.0
USER 10001:10001
EXPOSE 9081
# Probes: the chart's liveness and readiness probes on /health/live and /health/ready (no curl in this image).
ENTRYPOINT ["java", "@/opt/oarspawner/jvm.options", "-jar", "/opt/oarspawner/oarspawner.jar"]
CMD ["/etc/oarspawner/oarspawner.yaml"]
