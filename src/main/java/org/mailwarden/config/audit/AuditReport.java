package org.mailwarden.config.audit;

import java.util.Comparator;
import java.util.List;

/** All findings, most severe first. */
public record AuditReport(List<Finding> findings) {

    public AuditReport {
        findings = findings.stream().sorted(Comparator.comparing(Finding::severity)).toList();
    }

    public long count(Severity severity) {
        return findings.stream().filter(f -> f.severity() == severity).count();
    }

    public boolean hasCritical() {
        return count(Severity.CRITICAL) > 0;
    }

    public List<Finding> atLeast(Severity severity) {
        return findings.stream().filter(f -> f.severity().compareTo(severity) <= 0).toList();
    }

    public String summary() {
        return count(Severity.CRITICAL) + " critical, " + count(Severity.WARNING) + " warning(s), "
                + count(Severity.INFO) + " info";
    }
}
