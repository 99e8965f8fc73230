package org.oarspawner.http;

import io.vertx.json.schema.OutputUnit;
import io.vertx.openapi.validation.SchemaValidationException;
import io.vertx.openapi.validation.ValidatorException;
import java.util.Comparator;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Names the request field at fault in an OpenAPI validation failure, for the JSON error body. A body property
 * is named by its path in the body, segments joined by '.' (as {@code properties.<name>} elsewhere):
 * {@code walltime}, {@code environment.JUPYTERHUB_API_TOKEN}, {@code command.2}; a path or query parameter by
 * its name ({@code name}, {@code user}); anything else about the body is {@code body}.
 */
final class ValidationErrors {
    private static final Pattern PARAMETER = Pattern.compile("\\b(?:path|query|header|cookie) parameter (\\S+?)[.,]?(?:\\s|$)");
    private static final Pattern PROPERTY = Pattern.compile("[Pp]roperty \"([^\"]+)\"");

    private ValidationErrors() {
    }

    /** A 400 with the field and a message naming it. */
    static ApiError of(ValidatorException e) {
        String message = e.getMessage() == null ? "the request does not match the API contract" : e.getMessage();
        Matcher p = PARAMETER.matcher(message);
        if (p.find()) {
            String field = p.group(1);
            return new ApiError(400, "invalid_request", field + ": " + reason(e, message), field);
        }
        if (e instanceof SchemaValidationException s && s.getOutputUnit() != null) {
            OutputUnit unit = mostRelevant(s.getOutputUnit());
            String field = field(unit.getInstanceLocation(), unit.getError());
            return new ApiError(400, "invalid_request", field + ": " + (unit.getError() == null ? message : unit.getError()), field);
        }
        return new ApiError(400, "invalid_request", message, "body");
    }

    private static String reason(ValidatorException e, String message) {
        if (e instanceof SchemaValidationException s && s.getOutputUnit() != null) {
            String error = mostRelevant(s.getOutputUnit()).getError();
            if (error != null) {
                return error;
            }
        }
        return message;
    }

    /**
     * The most specific error: the deepest place in the request, and there the deepest rule (for a too long
     * environment value, "String is too long" at /environment/NAME rather than "does not match" at /environment).
     */
    private static OutputUnit mostRelevant(OutputUnit unit) {
        List<OutputUnit> errors = unit.getErrors();
        if (errors == null || errors.isEmpty()) {
            return unit;
        }
        return errors.stream().max(Comparator.comparingInt((OutputUnit u) -> depth(u.getInstanceLocation()))
                .thenComparingInt(u -> depth(u.getKeywordLocation()))).orElse(unit);
    }

    private static int depth(String pointer) {
        return pointer == null ? 0 : (int) pointer.chars().filter(c -> c == '/').count();
    }

    /**
     * The field of a JSON pointer into the body ("/environment/X" gives "environment.X"); at the body's root, the
     * property that the error names (a missing required one, an unknown one), else "body".
     */
    static String field(String pointer, String error) {
        if (pointer == null || pointer.isEmpty() || pointer.equals("/") || pointer.equals("#")) {
            if (error != null) {
                Matcher m = PROPERTY.matcher(error);
                if (m.find()) {
                    return m.group(1);
                }
            }
            return "body";
        }
        String p = pointer.startsWith("#") ? pointer.substring(1) : pointer;
        p = p.startsWith("/") ? p.substring(1) : p;
        StringBuilder out = new StringBuilder();
        for (String segment : p.split("/", -1)) {
            if (out.length() > 0) {
                out.append('.');
            }
            out.append(segment.replace("~1", "/").replace("~0", "~"));
        }
        return out.toString();
    }
}
