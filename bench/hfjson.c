/* hfjson: prints one tab-separated line per result of a hyperfine --export-json file:
 *   command  median  stddev  min  max  runs  [param=value ...]
 * (seconds). Enough JSON for hyperfine's flat output; no library needed. Usage: hfjson FILE.json */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <ctype.h>

static const char *skip_ws(const char *p) { while (*p && isspace((unsigned char)*p)) ++p; return p; }

/* copies a JSON string starting at the opening quote into out; returns the char after the closing quote */
static const char *read_string(const char *p, char *out, size_t cap)
{
    size_t n = 0;
    if (*p != '"') return NULL;
    for (++p; *p && *p != '"'; ++p) {
        char c = *p;
        if (c == '\\' && p[1]) { ++p; c = *p == 'n' ? ' ' : *p == 't' ? ' ' : *p; }
        if (n + 1 < cap) out[n++] = c;
    }
    out[n] = 0;
    return *p == '"' ? p + 1 : NULL;
}

static double field(const char *obj, const char *end, const char *key)
{
    char pat[64];
    const char *p;
    snprintf(pat, sizeof pat, "\"%s\":", key);
    p = strstr(obj, pat);
    if (!p || p > end) return -1;
    return strtod(skip_ws(p + strlen(pat)), NULL);
}

int main(int argc, char **argv)
{
    FILE *f;
    long len;
    char *buf, *p;
    if (argc != 2) { fprintf(stderr, "usage: hfjson FILE.json\n"); return 2; }
    if (!(f = fopen(argv[1], "rb"))) { perror(argv[1]); return 1; }
    fseek(f, 0, SEEK_END); len = ftell(f); fseek(f, 0, SEEK_SET);
    buf = malloc((size_t)len + 1);
    if (!buf || fread(buf, 1, (size_t)len, f) != (size_t)len) { fprintf(stderr, "hfjson: read error\n"); return 1; }
    buf[len] = 0;
    fclose(f);
    for (p = strstr(buf, "\"command\":"); p; p = strstr(p + 1, "\"command\":")) {
        char cmd[4096], key[256], val[1024];
        const char *q = skip_ws(p + 10), *next = strstr(p + 1, "\"command\":"), *end = next ? next : buf + len, *pp;
        int runs = 0;
        if (!(q = read_string(q, cmd, sizeof cmd))) break;
        pp = strstr(q, "\"times\":");
        if (pp && pp < end) for (pp = strchr(pp, '['); pp && *pp && *pp != ']'; ++pp) if (*pp == ',' || isdigit((unsigned char)*pp)) { if (*pp == ',') ++runs; }
        if (pp) ++runs;
        printf("%s\t%.9g\t%.9g\t%.9g\t%.9g\t%d", cmd, field(q, end, "median"), field(q, end, "stddev"), field(q, end, "min"),
               field(q, end, "max"), runs);
        pp = strstr(q, "\"parameters\":");
        if (pp && pp < end && (pp = strchr(pp, '{')) && pp < end) {
            ++pp;
            for (;;) {
                pp = skip_ws(pp);
                if (*pp != '"') break;
                if (!(pp = read_string(pp, key, sizeof key))) break;
                pp = skip_ws(pp);
                if (*pp == ':') pp = skip_ws(pp + 1);
                if (!(pp = read_string(pp, val, sizeof val))) break;
                printf("\t%s=%s", key, val);
                pp = skip_ws(pp);
                if (*pp == ',') ++pp;
            }
        }
        printf("\n");
    }
    free(buf);
    return 0;
}
