package org.mailwarden.directory;

import java.util.Optional;
import java.util.Set;

/**
 * Accounts, aliases and local domains. Protocol code asks the directory; it never reads account files itself.
 * The embedded backend is {@link FileDirectory} (docker-mailserver's files); others (SQL, LDAP) implement this.
 */
public interface Directory {

    /** Domains this server receives mail for (lower case). */
    Set<String> localDomains();

    default boolean isLocalDomain(String domain) {
        return localDomains().contains(domain.toLowerCase(java.util.Locale.ROOT));
    }

    /** Where mail for this address goes: local mailboxes and/or forwards, or why it cannot be delivered. */
    Resolution resolve(String address);

    /** The account with this login address, if any. */
    Optional<Account> account(String address);

    /** Checks a password against the stored hash; empty when the account does not exist or the password is wrong. */
    Optional<Account> authenticate(String login, char[] password);

    /** Services an account can be barred from, as docker-mailserver's {@code setup email restrict}. */
    enum Service { SEND, RECEIVE }

    boolean isRestricted(String address, Service service);

    /**
     * Sender (spoof) protection: may the authenticated {@code login} use {@code address} as envelope sender or
     * header From? Its own address, any address that resolves to its mailbox (aliases, sub-addresses), and
     * addresses granted in the sender-login map are allowed; nothing else.
     */
    boolean mayUseSender(String login, String address);
}
