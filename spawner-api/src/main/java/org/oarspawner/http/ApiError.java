package org.oarspawner.http;

/** A refusal with its HTTP status, machine code and, when a request field is at fault, that field. */
final class ApiError extends RuntimeException {
    private final int status;
    private final String code;
    private final String field;

    ApiError(int status, String code, String message, String field) {
        super(message);
        this.status = status;
        this.code = code;
        this.field = field;
    }

    int status() {
        return status;
    }

    String code() {
        return code;
    }

    /** The request field at fault, or null. */
    String field() {
        return field;
    }
}
