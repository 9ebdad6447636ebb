package org.mailwarden.config.audit;

import java.util.List;

/**
 * One independent audit of the configuration. To add one: write a class implementing this (no state, no side
 * effects: it must not create, change or lock anything, since {@code serve} runs it before start-up) and add it to
 * {@link ConfigAudit#CHECKS}. A check that throws is reported as a finding of its own and does not stop the others.
 */
public interface ConfigCheck {

    /** Short name for reports about the check itself, e.g. "tls-certificate". */
    String name();

    List<Finding> run(AuditContext context);
}
