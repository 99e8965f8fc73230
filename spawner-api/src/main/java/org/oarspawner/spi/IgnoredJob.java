package org.oarspawner.spi;

/**
 * Why a job in OAR that looks like one of this service's was not taken for a spawn. Such a job is someone's:
 * it is logged and counted, never cancelled.
 */
public enum IgnoredJob {
    /** Its name has this instance's prefix, but no tag, or a tag that does not verify for the job's owner. */
    FORGED_NAME,
    /** Its oarstat entry or its name cannot be read (an owner outside the login grammar, say). */
    MALFORMED,
    /** Its name verifies, but the login-mapping gives the hub user another login than OAR's owner. */
    FOREIGN_OWNER
}
