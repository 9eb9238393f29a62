# The job image: the official Apache Flink image of the version the job is built against
# (flink.version in pom.xml; HelmChartTest checks they match) plus the shaded job JAR.
# Build the JAR first (./mvnw -B -DskipTests package), then, from the repository root:
#   docker build -t registry.example.com/market-bars:0.1.0 .
#
# The official image (apache/flink-docker, 2.2/scala_2.12-java17-ubuntu) already runs as the
# unprivileged user flink (uid/gid 9999) and owns /opt/flink by it; its tags name the Flink and
# Java versions (2.2.1-java17 = 2.2.1-scala_2.12-java17). Pin a digest for reproducible builds:
#   docker build --build-arg FLINK_IMAGE_TAG=2.2.1-java17@sha256:<digest> .
ARG FLINK_IMAGE_TAG=2.2.1-java17
FROM flink:${FLINK_IMAGE_TAG}

# File system plugins for the checkpoint, savepoint and HA directories (s3://, gs://, ...),
# copied from the distribution's opt/ into plugins/ at build time. The image's entrypoint can do
# this at start (ENABLE_BUILT_IN_PLUGINS), but that writes into /opt/flink/plugins, which the
# chart's read-only root file system forbids. Space-separated jar name prefixes from opt/,
# e.g. "flink-s3-fs-presto flink-gs-fs-hadoop"; empty for none.
ARG FS_PLUGINS="flink-s3-fs-presto"
RUN set -eu; \
    for plugin in ${FS_PLUGINS}; do \
      mkdir -p "${FLINK_HOME}/plugins/${plugin}"; \
      cp "${FLINK_HOME}"/opt/"${plugin}"-*.jar "${FLINK_HOME}/plugins/${plugin}/"; \
    done

# The job: Flink's application mode runs it from usrlib (FlinkDeployment jarURI
# local:///opt/flink/usrlib/market-bars-job.jar); `BarsJob migrate` runs it with java -cp.
# Exactly one shaded JAR must match (the build writes no other market-bars-job-*.jar).
ARG JOB_JAR=flink-job/target/market-bars-job-*.jar
COPY --chown=flink:flink ${JOB_JAR} /opt/flink/usrlib/market-bars-job.jar

# Already the base image's user; stated so the image never silently runs as root.
USER flink
