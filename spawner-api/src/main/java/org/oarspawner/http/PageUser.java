package org.oarspawner.http;

/**
 * The hub user logged in to the sessions page, as the hub's /hub/api/user named them through OAuth: the name, and
 * whether the hub says they are an admin. As a {@link ApiAuth.Caller} they have the role {@code user}, plus
 * {@code admin} for a hub admin: the REST API's rules, decided in the one place.
 */
record PageUser(String name, boolean admin) {
    ApiAuth.Caller caller() {
        return new ApiAuth.Caller(name, false, admin, true);
    }

    /** Whether this user may do {@code method} (DELETE: stop, POST: extend) to a server of {@code owner}. */
    boolean may(String method, String owner) {
        return ApiAuth.mayActFor(caller(), owner, method);
    }
}
