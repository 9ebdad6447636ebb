package org.mailwarden.directory;

import java.util.Optional;
import java.util.Set;

/**
 * A directory that answers as another one does, for the views mail routing adds on top ({@link PostmasterFallback},
 * SRS reversal): a subclass changes {@link #resolve} and leaves accounts, logins and restrictions alone.
 */
public abstract class DelegatingDirectory implements Directory {

    protected final Directory directory;

    protected DelegatingDirectory(Directory directory) {
        this.directory = directory;
    }

    @Override
    public Resolution resolve(String address) {
        return directory.resolve(address);
    }

    @Override
    public Set<String> localDomains() {
        return directory.localDomains();
    }

    @Override
    public Optional<Account> account(String address) {
        return directory.account(address);
    }

    @Override
    public Optional<Account> authenticate(String login, char[] password) {
        return directory.authenticate(login, password);
    }

    @Override
    public boolean isRestricted(String address, Service service) {
        return directory.isRestricted(address, service);
    }

    @Override
    public boolean mayUseSender(String login, String address) {
        return directory.mayUseSender(login, address);
    }
}
