package dev.hark.infra;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;

/** Port checks that turn "address already in use" stack traces into one clear sentence. */
public final class Ports {
    private Ports() {
    }

    /** Thrown when a port Hark wants is taken; the message says which, by what, and how to choose another. */
    public static final class PortInUseException extends RuntimeException {
        private final int port;

        PortInUseException(int port, String purpose, String option) {
            super("port " + port + " (" + purpose + ") is already in use. Is another `hark up` running? "
                    + "Stop it, or choose another port with " + option + ".");
            this.port = port;
        }

        public int port() {
            return port;
        }
    }

    public static void requireFree(int port, String purpose, String option) {
        if (!isFree(port)) {
            throw new PortInUseException(port, purpose, option);
        }
    }

    public static boolean isFree(int port) {
        try (ServerSocket socket = new ServerSocket()) {
            socket.setReuseAddress(true);
            socket.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), port));
        } catch (IOException e) {
            return false;
        }
        // a server bound to the wildcard address on the same port also makes it unusable
        try (ServerSocket socket = new ServerSocket()) {
            socket.setReuseAddress(true);
            socket.bind(new InetSocketAddress(port));
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    /** A port the OS considers free right now (for tests that need a fixed port number up front). */
    public static int freePort() {
        try (ServerSocket socket = new ServerSocket(0, 50, InetAddress.getLoopbackAddress())) {
            return socket.getLocalPort();
        } catch (IOException e) {
            throw new IllegalStateException("no free port: " + e, e);
        }
    }
}
