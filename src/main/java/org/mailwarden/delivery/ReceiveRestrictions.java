package org.mailwarden.delivery;

import java.util.Optional;
import org.mailwarden.directory.Directory;
import org.mailwarden.smtp.Reply;

/**
 * docker-mailserver's {@code postfix-receive-access.cf} ({@code setup email restrict add receive}): an account, or an
 * address, listed there receives nothing. Refused with {@code 554 5.7.1}, at RCPT over SMTP and for every path in
 * the pipeline (a forward through an alias to a restricted account, a bounce to one, a retry).
 */
public final class ReceiveRestrictions implements EnvelopeStep {

    static final Reply ACCESS_DENIED = new Reply(554, "5.7.1", "Recipient address rejected: Access denied");

    private final Directory directory;

    public ReceiveRestrictions(Directory directory) {
        this.directory = directory;
    }

    @Override
    public String name() {
        return "restrictions";
    }

    @Override
    public Optional<Verdict> judge(Origin origin, String sender, Recipient r) {
        if (directory.isRestricted(r.account(), Directory.Service.RECEIVE)
                || directory.isRestricted(r.address(), Directory.Service.RECEIVE)) {
            return Optional.of(new Verdict.Refuse(ACCESS_DENIED));
        }
        return Optional.empty();
    }
}
