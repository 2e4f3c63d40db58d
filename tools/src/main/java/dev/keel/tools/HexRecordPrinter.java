package dev.keel.tools;

import java.io.PrintWriter;

/**
 * {@code --format hex}: the record's fields, then its whole payload as {@code hexdump -C} prints
 * it (offsets from the payload's start, 16 bytes a line, printable ASCII on the right), then the
 * payload's length as a last offset line, and a blank line.
 */
final class HexRecordPrinter implements RecordPrinter {
    private static final int BYTES_PER_LINE = 16;

    @Override
    public void print(DumpedRecord r, PrintWriter out) {
        out.println(r.fields());
        byte[] p = r.payload();
        StringBuilder line = new StringBuilder(80);
        for (int at = 0; at < p.length; at += BYTES_PER_LINE) {
            line.setLength(0);
            line.append(String.format("%08x  ", at));
            StringBuilder ascii = new StringBuilder(BYTES_PER_LINE);
            for (int i = 0; i < BYTES_PER_LINE; i++) {
                if (at + i < p.length) {
                    int b = p[at + i] & 0xFF;
                    line.append(Character.forDigit(b >> 4, 16)).append(Character.forDigit(b & 0xF, 16)).append(' ');
                    ascii.append(b >= 0x20 && b <= 0x7e ? (char) b : '.');
                } else {
                    line.append("   ");
                }
                if (i == BYTES_PER_LINE / 2 - 1) {
                    line.append(' ');
                }
            }
            out.println(line.append(" |").append(ascii).append('|'));
        }
        out.println(String.format("%08x", p.length));
        out.println();
    }
}
