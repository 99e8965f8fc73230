package org.oarspawner.oar;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.oarspawner.oar.ssh.CommandResult;
import org.oarspawner.spi.CancelResult;
import org.oarspawner.spi.Endpoint;
import org.oarspawner.spi.InvalidFieldException;
import org.oarspawner.spi.JobRef;
import org.oarspawner.spi.JobStatus;
import org.oarspawner.spi.SchedulerException;
import org.oarspawner.spi.SchedulerException.Reason;
import org.oarspawner.spi.SpawnKey;
import org.oarspawner.spi.WalltimeChange;

/** Reads what OAR 2.5's oarsub, oarstat -fJ and oardel print. Kept in one place for the day a site moves to OAR3. */
public final class OarOutput {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Pattern JOB_ID = Pattern.compile("^OAR_JOB_ID=(-?\\d+)\\s*$", Pattern.MULTILINE);
    private static final String GENERIC_FAILURE = "[ERROR] Oarsub failed, please verify your request syntax.";

    private OarOutput() {
    }

    /** The new job's id, or a {@link SchedulerException} carrying OAR's own message and exit code. */
    public static long jobId(String cluster, CommandResult result) {
        Matcher m = JOB_ID.matcher(result.stdout());
        long id = m.find() ? Long.parseLong(m.group(1)) : -1;
        if (result.exitCode() == 0 && id > 0) {
            return id;
        }
        String message = failureMessage(result);
        Reason reason = switch (result.exitCode()) {
            case 254 -> Reason.REJECTED;
            case 255, 5, 248 -> Reason.INVALID_REQUEST;
            case 9 -> Reason.UNREACHABLE;
            case 8 -> message.contains("There are not enough resources for your request")
                    ? Reason.NOT_ENOUGH_RESOURCES : Reason.INVALID_REQUEST;
            default -> Reason.FAILED;
        };
        return throwing(new SchedulerException(cluster, reason, result.exitCode(), message));
    }

    private static long throwing(SchedulerException e) {
        throw e;
    }

    /**
     * OAR's explanation of a failed oarsub: its stderr, plus an admission rule's error if it printed one
     * on stdout (OAR3 does), without the generic "verify your request syntax" line when there is more.
     */
    static String failureMessage(CommandResult result) {
        List<String> lines = new ArrayList<>();
        result.stdout().lines().filter(l -> l.contains("ADMISSION RULE") && l.toLowerCase().contains("error"))
                .forEach(lines::add);
        result.stderr().lines().map(String::strip).filter(l -> !l.isEmpty()).forEach(lines::add);
        if (lines.size() > 1) {
            lines.remove(GENERIC_FAILURE);
        }
        if (lines.isEmpty()) {
            return "oarsub failed without a message";
        }
        if (lines.stream().anyMatch(OarOutput::sudoRefused)) {
            lines.add(SUDO_HINT);
        }
        return String.join("\n", lines);
    }

    /** What an operator does when sudo will not let the service account act as a login. */
    static final String SUDO_HINT = "The service account may act only as logins that its sudoers rule names (the group "
            + "oarusers in deploy/cluster/sudoers): add this login to that group, or give the cluster identity per-user.";

    /** sudo -n's refusals: the rule does not cover the login, or the command, and sudo would ask for a password. */
    private static boolean sudoRefused(String line) {
        return line.startsWith("sudo: a password is required") || line.startsWith("sudo: a terminal is required")
                || (line.startsWith("Sorry, user ") && line.contains(" is not allowed to execute "));
    }

    /**
     * Parses {@code oarstat -fJ}: a JSON object keyed by job id. Ids and times may be numbers or strings.
     * Empty output (no job known) is an empty map. A job's key is set only when its name is one of ours
     * ({@link JobName.Verdict#OURS}); an entry that cannot be read is left out.
     */
    public static Map<Long, JobStatus> jobs(String cluster, String json, JobName names) {
        Map<Long, JobStatus> jobs = new LinkedHashMap<>();
        read(cluster, json, names).entries().forEach((id, e) -> jobs.put(id, e.status()));
        return jobs;
    }

    /** A job entry as oarstat printed it, with the verdict on its name. */
    public record Entry(JobStatus status, JobName.Verdict verdict, String name) {
    }

    /** An entry that is not a job we can read (an owner outside the login grammar, a bad id): what OAR printed. */
    public record Unreadable(String id, String owner, String name, String why) {
    }

    /** What one oarstat -fJ printed: the readable entries by id, and the others. */
    public record Jobs(Map<Long, Entry> entries, List<Unreadable> unreadable) {
    }

    /**
     * Like {@link #jobs} but keeps what the verdicts and the unreadable entries are: any user may submit a job
     * with a name like ours, and one odd entry must not hide the others.
     */
    public static Jobs read(String cluster, String json, JobName names) {
        Map<Long, Entry> entries = new LinkedHashMap<>();
        List<Unreadable> unreadable = new ArrayList<>();
        if (json.isBlank()) {
            return new Jobs(entries, unreadable);
        }
        JsonNode root;
        try {
            root = JSON.readTree(json);
        } catch (JsonProcessingException e) {
            throw new SchedulerException(cluster, Reason.FAILED, 0, "oarstat printed something that is not JSON: "
                    + abbreviate(json));
        }
        Iterator<Map.Entry<String, JsonNode>> fields = root.fields();
        while (fields.hasNext()) {
            Map.Entry<String, JsonNode> e = fields.next();
            JsonNode j = e.getValue();
            String owner = text(j, "owner").orElseGet(() -> text(j, "job_user").orElse(""));
            String name = text(j, "name").orElse(null);
            try {
                JobName.Parsed parsed = names.parse(cluster, name, owner);
                JobStatus status = status(cluster, e.getKey(), j, owner, parsed.key());
                entries.put(status.ref().id(), new Entry(status, parsed.verdict(), name));
            } catch (RuntimeException ex) {
                unreadable.add(new Unreadable(abbreviate(e.getKey()), abbreviate(owner), name == null ? "" : abbreviate(name),
                        abbreviate(String.valueOf(ex.getMessage()))));
            }
        }
        return new Jobs(entries, unreadable);
    }

    private static JobStatus status(String cluster, String key, JsonNode j, String owner, Optional<SpawnKey> spawn) {
        long id = j.hasNonNull("Job_Id") ? j.get("Job_Id").asLong() : Long.parseLong(key);
        JobRef ref = new JobRef(cluster, id, owner);
        OarState state = OarState.parse(text(j, "state").orElse(""));
        List<String> nodes = new ArrayList<>();
        j.path("assigned_network_address").forEach(n -> nodes.add(n.asText()));
        // In the order OAR logged them (event_id), which oarstat does not promise: a warning counts only after a change.
        List<JsonNode> logged = new ArrayList<>();
        j.path("events").forEach(logged::add);
        logged.sort(java.util.Comparator.comparingLong(ev -> ev.path("event_id").asLong(0)));
        List<String> events = logged.stream().map(OarOutput::eventType).collect(Collectors.toList());
        OptionalInt exitStatus = OptionalInt.empty();
        OptionalInt signal = OptionalInt.empty();
        if (j.hasNonNull("exit_code") && !j.get("exit_code").asText().isEmpty()) {
            int wait = j.get("exit_code").asInt();
            // exit_code is a raw wait status: exit 3 is 768, a signal sits in the low 7 bits.
            if ((wait & 0x7f) == 0) {
                exitStatus = OptionalInt.of((wait >> 8) & 0xff);
            } else {
                signal = OptionalInt.of(wait & 0x7f);
            }
        }
        return new JobStatus(ref, spawn, state.jobState(), state.name(),
                nodes, Duration.ofSeconds(j.path("walltime").asLong()),
                time(j, "submissionTime"), time(j, "startTime"), time(j, "scheduledStart"), time(j, "stopTime"),
                exitStatus, signal, text(j, "message").orElse(""), events);
    }

    /**
     * An event's type, with OAR 2.5.9's WALLTIME event for a granted change ("walltime changed: 0:10:0 (granted: ...)")
     * told apart as {@link JobStatus#WALLTIME_CHANGED}: only the other WALLTIME, the end of the walltime, ends a job.
     */
    static String eventType(JsonNode event) {
        String type = event.path("type").asText();
        return type.equals("WALLTIME") && event.path("description").asText().contains("walltime changed")
                ? JobStatus.WALLTIME_CHANGED : type;
    }

    /**
     * What oarwalltime's exit code says (Walltime.pm: 0 accepted, 1 bad request, 3 forbidden, 4 unknown job or
     * syntax, 5 disabled), with OAR's own first line, which must begin with OAR's word for that code; anything else
     * (a syntax error, sudo refusing the command) is an error with the message.
     */
    public static WalltimeChange walltimeChange(String cluster, CommandResult result) {
        String message = (result.stdout() + "\n" + result.stderr()).lines().map(String::strip).filter(l -> !l.isEmpty())
                .findFirst().orElse("");
        // The exit code and OAR's own word for it: sudo's or ssh's failures exit 1 too, and are not OAR's answer.
        WalltimeChange.Outcome outcome = switch (result.exitCode()) {
            case 0 -> message.startsWith("Accepted:") ? WalltimeChange.Outcome.ACCEPTED : null;
            case 1 -> message.startsWith("Bad request:") ? WalltimeChange.Outcome.BAD_REQUEST : null;
            case 3 -> message.startsWith("Forbidden:") ? WalltimeChange.Outcome.FORBIDDEN : null;
            case 4 -> message.startsWith("Not found:") ? WalltimeChange.Outcome.UNKNOWN_JOB : null;
            case 5 -> message.startsWith("Not available:") ? WalltimeChange.Outcome.DISABLED : null;
            default -> null;
        };
        if (outcome == null || result.truncated()) {
            throw new SchedulerException(cluster, Reason.FAILED, result.exitCode(), "oarwalltime failed: "
                    + (message.isEmpty() ? "no message" : abbreviate(message)));
        }
        return new WalltimeChange(outcome, abbreviate(message));
    }

    /** The last word of the command OAR keeps, quoted or not: {@code /bin/bash '.../job.sh' 'env.<random>'}. */
    private static final Pattern ENV_FILE = Pattern.compile("(?:^|[\\s'])(env\\.[A-Za-z0-9]{1,64})'?\\s*$");

    /** The env file a job's script was told to read: {@code job.sh env.<random>} on the command OAR keeps for it. */
    public static Optional<String> envFileOf(String oarstatJson, long id) {
        try {
            JsonNode job = oarstatJson.isBlank() ? null : JSON.readTree(oarstatJson).get(Long.toString(id));
            Matcher m = ENV_FILE.matcher(job == null ? "" : job.path("command").asText(""));
            return m.find() ? Optional.of(m.group(1)) : Optional.empty();
        } catch (JsonProcessingException e) {
            return Optional.empty();
        }
    }

    /**
     * A job's entry in the spool, and the login that owns it: its endpoint line, or empty for something that is not a
     * regular file (a FIFO, a link), which is never read, or for a begun line.
     *
     * @param begun the file holds the job script's first line ({@link #BEGUN}): the job began, its notebook does not
     *              listen yet
     */
    public record SpooledEndpoint(String owner, Optional<Endpoint> endpoint, boolean begun) {
        public SpooledEndpoint(String owner, Optional<Endpoint> endpoint) {
            this(owner, endpoint, false);
        }
    }

    /** What job.sh writes to the spool first, before the endpoint replaces it. */
    public static final String BEGUN = "begun";

    /**
     * Parses {@link OarCommand#spooledEndpoints}: "id owner f host port", "id owner f begun" and "id owner x" lines,
     * for the ids asked.
     * A regular file's line that does not parse is left out (a user may write anything in a file of theirs); the
     * caller checks the owner. Lines end at '\n' only, and the command keeps only a host's and a port's characters
     * of a file: a '\r' or a newline a user wrote cannot start a line of its own. An id seen twice is someone's
     * forgery: its entry gets no owner, so that the job's own directory is read instead.
     */
    public static Map<Long, SpooledEndpoint> spooledEndpoints(String stdout, java.util.Collection<Long> asked) {
        Map<Long, SpooledEndpoint> found = new HashMap<>();
        java.util.Set<Long> seen = new java.util.HashSet<>();
        for (String line : stdout.split("\n", -1)) {
            String[] f = line.split(" ", 4);
            if (f.length < 3 || !f[0].matches("[0-9]{1,18}") || !asked.contains(Long.parseLong(f[0]))) {
                continue;
            }
            long id = Long.parseLong(f[0]);
            if (!seen.add(id)) {
                found.put(id, new SpooledEndpoint("", Optional.empty()));
                continue;
            }
            if (f.length == 3 && f[2].equals("x")) {
                found.put(id, new SpooledEndpoint(f[1], Optional.empty()));
            } else if (f.length == 4 && f[2].equals("f") && f[3].equals(BEGUN)) {
                found.put(id, new SpooledEndpoint(f[1], Optional.empty(), true));
            } else if (f.length == 4 && f[2].equals("f")) {
                endpoint(f[3]).ifPresent(e -> found.put(id, new SpooledEndpoint(f[1], Optional.of(e))));
            }
        }
        return found;
    }

    /** The "host port" line that the job script writes; empty for anything else (the file is the user's). */
    public static Optional<Endpoint> endpoint(String line) {
        String[] f = line.strip().split("\\s+");
        if (f.length != 2 || !f[1].matches("[0-9]{1,5}")) {
            return Optional.empty();
        }
        try {
            return Optional.of(new Endpoint(f[0], Integer.parseInt(f[1])));
        } catch (InvalidFieldException e) {
            return Optional.empty();
        }
    }

    /** What oardel's outcome means; anything unexpected is an error with OAR's message. */
    public static CancelResult cancel(String cluster, CommandResult result) {
        String all = result.stdout() + result.stderr();
        if (result.exitCode() == 0 && all.contains("REGISTERED")) {
            return CancelResult.CANCELLED;
        }
        if (all.contains("already killed") || all.contains("already finished")) {
            return CancelResult.ALREADY_ENDED;
        }
        if (all.contains("You are not the right user") || all.contains("does not exist")) {
            return CancelResult.NOT_FOUND;
        }
        String message = all.lines().map(String::strip).filter(l -> !l.isEmpty()).collect(Collectors.joining("\n"));
        throw new SchedulerException(cluster, Reason.FAILED, result.exitCode(),
                message.isEmpty() ? "oardel failed without a message" : message);
    }

    private static Optional<String> text(JsonNode j, String field) {
        JsonNode n = j.get(field);
        return n == null || n.isNull() ? Optional.empty() : Optional.of(n.asText());
    }

    /** Epoch seconds as a number or a string; 0 and null mean not set. */
    private static Optional<Instant> time(JsonNode j, String field) {
        JsonNode n = j.get(field);
        if (n == null || n.isNull() || n.asText().isEmpty()) {
            return Optional.empty();
        }
        long seconds = n.asLong();
        return seconds <= 0 ? Optional.empty() : Optional.of(Instant.ofEpochSecond(seconds));
    }

    private static String abbreviate(String s) {
        String one = s.strip().replaceAll("\\s+", " ");
        return one.length() > 200 ? one.substring(0, 200) + "..." : one;
    }

    /**
     * The job of {@link OarCommand#submission}'s answer: the one with exactly this name, owned by this login, whose
     * command names this environment file. Empty when OAR has none.
     */
    public static Optional<Long> submission(String cluster, String json, String jobName, String login, String envFile) {
        if (json.isBlank()) {
            return Optional.empty();
        }
        JsonNode root;
        try {
            root = JSON.readTree(json);
        } catch (JsonProcessingException e) {
            throw new SchedulerException(cluster, Reason.FAILED, 0, "oarstat printed something that is not JSON: " + abbreviate(json));
        }
        List<Long> ids = new ArrayList<>();
        root.fields().forEachRemaining(e -> {
            JsonNode j = e.getValue();
            String owner = text(j, "owner").orElseGet(() -> text(j, "job_user").orElse(""));
            List<String> words = List.of(text(j, "command").orElse("").split("[\\s']+"));
            if (jobName.equals(text(j, "name").orElse(null)) && login.equals(owner) && words.contains(envFile)) {
                ids.add(j.hasNonNull("Job_Id") ? j.get("Job_Id").asLong() : Long.parseLong(e.getKey()));
            }
        });
        return ids.stream().min(Long::compare);
    }
}
