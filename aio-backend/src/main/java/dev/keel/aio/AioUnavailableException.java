package dev.keel.aio;

import java.io.IOException;

/** A backend was asked for by name and this machine cannot run it; the message says why. */
public class AioUnavailableException extends IOException {
    private static final long serialVersionUID = 1L;

    public AioUnavailableException(String message) {
        super(message);
    }
}
