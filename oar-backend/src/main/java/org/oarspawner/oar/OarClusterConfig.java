package org.oarspawner.oar;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Objects;
import java.util.Optional;
import org.oarspawner.oar.ssh.SshSettings;
import org.oarspawner.oar.ssh.SshTarget;
import org.oarspawner.spi.Grammar;

/**
 * One OAR cluster as the backend drives it.
 *
 * @param serviceAccount the login (and key) that polls oarstat, and in SERVICE_ACCOUNT mode acts for users via sudo
 * @param userKeys       in PER_USER mode, the private key of each login: a path with {login} in it
 * @param properties     the operator's OAR property expression that selects this cluster's nodes, e.g. cluster='gpu'
 * @param gpuModelProperty the resource property that names a GPU's model (GRICAD: gpumodel)
 * @param python         the python3 on the nodes, used by the job script to pick a free port
 * @param endpointSpool  a directory the nodes and the frontend share (mode 1733, owned by the service account) where
 *                       job scripts also write where their notebook listens, so that one command per cluster reads
 *                       them all; without it, each starting job's endpoint is read from its own directory
 * @param checkpoint     how long before its walltime OAR warns a job (oarsub --checkpoint, SIGUSR2 to the job script,
 *                       which keeps it from the notebook); zero: no warning
 */
public record OarClusterConfig(
        String name,
        String frontendHost,
        int frontendPort,
        SshSettings ssh,
        Identity identity,
        SshTarget serviceAccount,
        Optional<String> userKeys,
        OarCommands commands,
        Optional<String> properties,
        String gpuModelProperty,
        Optional<String> defaultProject,
        String python,
        Reachability reachability,
        Optional<String> endpointSpool,
        Duration checkpoint) {

    /** The warning's lead when the configuration names none. */
    public static final Duration DEFAULT_CHECKPOINT = Duration.ofMinutes(10);

    /** How the proxy reaches a node's notebook. */
    public enum Reachability {
        /** node:port, when the hub's network reaches the nodes. */
        DIRECT,
        /** A local port forwarded through the frontend's SSH connection, when it does not (as at GRICAD). */
        SSH_TUNNEL
    }

    /** A cluster warned {@link #DEFAULT_CHECKPOINT} before its jobs' walltime. */
    public OarClusterConfig(String name, String frontendHost, int frontendPort, SshSettings ssh, Identity identity,
                            SshTarget serviceAccount, Optional<String> userKeys, OarCommands commands, Optional<String> properties,
                            String gpuModelProperty, Optional<String> defaultProject, String python, Reachability reachability,
                            Optional<String> endpointSpool) {
        this(name, frontendHost, frontendPort, ssh, identity, serviceAccount, userKeys, commands, properties, gpuModelProperty,
                defaultProject, python, reachability, endpointSpool, DEFAULT_CHECKPOINT);
    }

    public OarClusterConfig {
        Objects.requireNonNull(checkpoint, "checkpoint");
        if (checkpoint.isNegative()) {
            throw new IllegalArgumentException("cluster " + name + ": checkpoint must not be negative, got " + checkpoint);
        }
        Grammar.CLUSTER.check("cluster", name);
        Objects.requireNonNull(ssh, "ssh");
        Objects.requireNonNull(identity, "identity");
        Objects.requireNonNull(serviceAccount, "serviceAccount");
        if (identity == Identity.PER_USER && (userKeys.isEmpty() || !userKeys.get().contains("{login}"))) {
            throw new IllegalArgumentException("cluster " + name + ": identity per-user needs userKeys, a path with {login}");
        }
        Grammar.PROPERTY_NAME.check("gpuModelProperty", gpuModelProperty);
        defaultProject.ifPresent(p -> Grammar.PROJECT.check("defaultProject", p));
        endpointSpool.ifPresent(p -> {
            if (!p.matches("/[A-Za-z0-9_./-]*") || p.contains("..")) {
                throw new IllegalArgumentException("cluster " + name + ": endpointSpool must be an absolute path of letters, digits"
                        + " and _ . / -, got " + p);
            }
        });
    }

    public SshTarget loginTarget(String login) {
        if (identity == Identity.SERVICE_ACCOUNT) {
            return serviceAccount;
        }
        Grammar.LOGIN.check("login", login);
        return new SshTarget(frontendHost, frontendPort, login, Path.of(userKeys.orElseThrow().replace("{login}", login)));
    }

    /** OAR's commands on the frontend; absolute paths, as sudoers rules name them. */
    public record OarCommands(String oarsub, String oarstat, String oardel, String oarnodes, String stage, String oarwalltime) {
        public static final OarCommands DEFAULT = new OarCommands("/usr/bin/oarsub", "/usr/bin/oarstat", "/usr/bin/oardel",
                "/usr/bin/oarnodes", "/usr/local/bin/oarspawner-stage", "/usr/bin/oarwalltime");

        public OarCommands(String oarsub, String oarstat, String oardel, String oarnodes, String stage) {
            this(oarsub, oarstat, oardel, oarnodes, stage, DEFAULT.oarwalltime());
        }
    }
}
