package ai.omninode.onex.kafka;

import java.io.IOException;
import java.io.OutputStream;

/** Writes to two streams: the console as before, and a capture (tests that search what the node logs). */
final class TeeStream extends OutputStream {
    private final OutputStream a;
    private final OutputStream b;

    TeeStream(OutputStream a, OutputStream b) {
        this.a = a;
        this.b = b;
    }

    @Override
    public synchronized void write(int c) throws IOException {
        a.write(c);
        b.write(c);
    }

    @Override
    public synchronized void write(byte[] buf, int off, int len) throws IOException {
        a.write(buf, off, len);
        b.write(buf, off, len);
    }

    @Override
    public synchronized void flush() throws IOException {
        a.flush();
        b.flush();
    }
}
