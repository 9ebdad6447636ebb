package org.mailwarden.events;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;

/** Delivers every event to every subscriber, synchronously, on the emitting thread. */
public final class EventBus {

    private final List<Consumer<Event>> subscribers = new CopyOnWriteArrayList<>();

    public EventBus() {
        subscribe(EventLog::write);
    }

    public void subscribe(Consumer<Event> subscriber) {
        subscribers.add(subscriber);
    }

    public void unsubscribe(Consumer<Event> subscriber) {
        subscribers.remove(subscriber);
    }

    public void emit(Event event) {
        for (Consumer<Event> s : subscribers) {
            s.accept(event);
        }
    }
}
