package org.oarspawner.spi;

/** A request value broke its field's grammar. Nothing was sent to a scheduler. */
public final class InvalidFieldException extends IllegalArgumentException {
    private final String field;

    public InvalidFieldException(String field, String message) {
        super(field + ": " + message);
        this.field = field;
    }

    public String field() {
        return field;
    }
}
