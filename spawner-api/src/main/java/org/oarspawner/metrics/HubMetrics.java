package org.oarspawner.metrics;

/** What the reconciliation with the hub reports for operators. */
public interface HubMetrics {
    /** A check of the hub's servers: whether the hub answered with a list that could be used. */
    void hubChecked(boolean answered);

    /** A job cancelled because the hub had not known its server for the orphan grace. */
    void orphanCancelled(String cluster);

    HubMetrics NONE = new HubMetrics() {
        @Override
        public void hubChecked(boolean answered) {
        }

        @Override
        public void orphanCancelled(String cluster) {
        }
    };
}
