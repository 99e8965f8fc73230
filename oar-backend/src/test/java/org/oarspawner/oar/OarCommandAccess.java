package org.oarspawner.oar;

/** Test access to package-private command rendering from other packages' tests. */
public final class OarCommandAccess {
    private OarCommandAccess() {
    }

    public static String asServiceAccount(String login, String command) {
        return new OarCommand(OarCommandTest.config(Identity.SERVICE_ACCOUNT, null)).asUser(login, command);
    }
}
