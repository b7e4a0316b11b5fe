/*
 * kiln-qjsc: compiles a JavaScript bundle to QuickJS bytecode at build time,
 * so that an image never parses JavaScript at boot.
 *
 *   kiln-qjsc [--script] [--name FILE] -o OUT.qbc INPUT.js
 *
 * The input is an ES module (esbuild --format=esm, everything bundled) unless
 * --script is given (esbuild --format=iife). Line numbers are kept for stack
 * traces (QuickJS 2021-03-27 records lines, not columns); the source text is
 * not written. FILE is the name stack traces show (default: INPUT's name).
 *
 * The output starts with a kiln_bytecode_header (see runtime/src/bytecode.h),
 * followed by QuickJS's JS_WriteObject serialisation.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "quickjs.h"
#include "../src/bytecode.h"

static void usage(void)
{
    fprintf(stderr, "usage: kiln-qjsc [--script] [--name FILE] -o OUT.qbc INPUT.js\n");
    exit(2);
}

static char *read_file(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f) {
        fprintf(stderr, "kiln-qjsc: cannot open %s: %s\n", path, strerror(errno));
        exit(1);
    }
    size_t cap = 1 << 16, n = 0;
    char *buf = malloc(cap + 1);
    for (;;) {
        if (!buf) {
            fprintf(stderr, "kiln-qjsc: out of memory reading %s\n", path);
            exit(1);
        }
        n += fread(buf + n, 1, cap - n, f);
        if (n < cap)
            break;
        cap *= 2;
        buf = realloc(buf, cap + 1);
    }
    if (ferror(f)) {
        fprintf(stderr, "kiln-qjsc: cannot read %s\n", path);
        exit(1);
    }
    fclose(f);
    buf[n] = '\0';
    *len = n;
    return buf;
}

/* Prints the pending exception the way a compiler reports errors. */
static void report_exception(JSContext *ctx)
{
    JSValue exc = JS_GetException(ctx);
    const char *msg = JS_ToCString(ctx, exc);
    JSValue stack = JS_GetPropertyStr(ctx, exc, "stack");
    const char *where = JS_IsUndefined(stack) ? NULL : JS_ToCString(ctx, stack);
    fprintf(stderr, "kiln-qjsc: %s\n%s", msg ? msg : "(unprintable exception)",
            where ? where : "");
    JS_FreeCString(ctx, where);
    JS_FreeCString(ctx, msg);
    JS_FreeValue(ctx, stack);
    JS_FreeValue(ctx, exc);
}

/* A bundle must be self-contained: any import left in it is a build error. */
static JSModuleDef *refuse_import(JSContext *ctx, const char *name, void *opaque)
{
    (void)opaque;
    JS_ThrowReferenceError(ctx,
        "the bundle imports '%s': bundle every module (esbuild --bundle) "
        "and keep no externals", name);
    return NULL;
}

int main(int argc, char **argv)
{
    const char *out_path = NULL, *in_path = NULL, *name = NULL;
    int script = 0;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--script"))
            script = 1;
        else if (!strcmp(argv[i], "--name") && i + 1 < argc)
            name = argv[++i];
        else if (!strcmp(argv[i], "-o") && i + 1 < argc)
            out_path = argv[++i];
        else if (argv[i][0] == '-' || in_path)
            usage();
        else
            in_path = argv[i];
    }
    if (!out_path || !in_path)
        usage();
    if (!name) {
        const char *slash = strrchr(in_path, '/');
        name = slash ? slash + 1 : in_path;
    }

    size_t src_len;
    char *src = read_file(in_path, &src_len);

    JSRuntime *rt = JS_NewRuntime();
    JSContext *ctx = rt ? JS_NewContext(rt) : NULL;
    if (!ctx) {
        fprintf(stderr, "kiln-qjsc: cannot create a QuickJS context\n");
        return 1;
    }
    JS_SetModuleLoaderFunc(rt, NULL, refuse_import, NULL);

    int flags = JS_EVAL_FLAG_COMPILE_ONLY |
                (script ? JS_EVAL_TYPE_GLOBAL : JS_EVAL_TYPE_MODULE);
    JSValue obj = JS_Eval(ctx, src, src_len, name, flags);
    if (JS_IsException(obj)) {
        report_exception(ctx);
        return 1;
    }
    if (!script && JS_ResolveModule(ctx, obj) < 0) {
        report_exception(ctx);
        return 1;
    }

    size_t code_len;
    uint8_t *code = JS_WriteObject(ctx, &code_len, obj, JS_WRITE_OBJ_BYTECODE);
    if (!code) {
        report_exception(ctx);
        return 1;
    }
    struct kiln_bytecode_header hdr;
    memcpy(hdr.magic, KILN_BYTECODE_MAGIC, sizeof hdr.magic);
    hdr.format = KILN_BYTECODE_FORMAT;
    hdr.kind = script ? KILN_BYTECODE_SCRIPT : KILN_BYTECODE_MODULE;
    hdr.length = code_len;

    FILE *out = fopen(out_path, "wb");
    if (!out || fwrite(&hdr, sizeof hdr, 1, out) != 1 ||
        fwrite(code, 1, code_len, out) != code_len || fclose(out) != 0) {
        fprintf(stderr, "kiln-qjsc: cannot write %s: %s\n", out_path, strerror(errno));
        remove(out_path);
        return 1;
    }
    js_free(ctx, code);
    JS_FreeValue(ctx, obj);
    JS_FreeContext(ctx);
    JS_FreeRuntime(rt);
    free(src);
    return 0;
}
