package org.oarspawner.service;

import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.Map;
import java.util.Properties;
import org.oarspawner.config.ConfigException;
import org.oarspawner.config.MaskedConfig;

/**
 * The command line's options other than running: {@code --version}, and {@code --check-config <file>}, which loads
 * and validates the file as the service would (environment overrides applied) and prints it with secrets masked.
 */
final class Cli {
    static final String USAGE = "usage: java -jar oarspawner-<version>.jar [config.yaml]"
            + " | --check-config [config.yaml] | --version | --help";
    /** Exit status of a configuration the service would refuse (as the service itself exits on one). */
    static final int BAD_CONFIG = 2;
    static final int BAD_USAGE = 64;

    private Cli() {
    }

    /** Whether these arguments ask for an option rather than for the service to run. */
    static boolean isOption(String[] args) {
        return args.length > 0 && args[0].startsWith("-");
    }

    static int run(String[] args, Map<String, String> env, PrintStream out, PrintStream err) {
        switch (args[0]) {
            case "--version" -> {
                out.println("oarspawner " + version());
                return 0;
            }
            case "--help", "-h" -> {
                out.println(USAGE);
                return 0;
            }
            case "--check-config" -> {
                if (args.length > 2) {
                    err.println(USAGE);
                    return BAD_USAGE;
                }
                return checkConfig(args.length == 2 ? Path.of(args[1]) : Settings.defaultFile(env), env, out, err);
            }
            default -> {
                err.println("oarspawner: unknown option " + args[0] + "\n" + USAGE);
                return BAD_USAGE;
            }
        }
    }

    static int checkConfig(Path file, Map<String, String> env, PrintStream out, PrintStream err) {
        Settings settings;
        try {
            settings = Settings.load(file, env);
        } catch (ConfigException e) {
            err.println("oarspawner: bad configuration in " + file + ": " + e.getMessage());
            return BAD_CONFIG;
        }
        out.println("# oarspawner " + version() + ": " + file + " is valid (" + settings.clusters().size()
                + " clusters). Resolved with the OARSPAWNER_* environment; keys left out take their defaults; secrets masked.");
        out.print(MaskedConfig.yaml(settings.root()));
        return 0;
    }

    /** The project's version, as the build wrote it into version.properties. */
    static String version() {
        try (InputStream in = Cli.class.getResourceAsStream("version.properties")) {
            Properties p = new Properties();
            if (in != null) {
                p.load(in);
            }
            return p.getProperty("version", "unknown");
        } catch (IOException e) {
            return "unknown";
        }
    }
}
