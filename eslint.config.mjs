// ESLint for a TypeScript Pulumi program (issue 17); docs/contributing.md says how to run it.
// Formatting is Prettier's (.prettierrc.json): eslint-config-prettier, last, turns off every rule that would argue with it.
import js from "@eslint/js";
import comments from "@eslint-community/eslint-plugin-eslint-comments/configs";
import prettier from "eslint-config-prettier";
import tseslint from "typescript-eslint";

/** The deployable program: where a pulumi.Output lives, so where stringifying one is a bug. */
const PROGRAM = ["index.ts", "components/**/*.ts", "config/**/*.ts"];

export default tseslint.config(
    {
        // Generated or not ours: render output, build output, engine reference data, test snapshots.
        ignores: ["out/", "dist/", ".scratch/", ".pulumi/", "tools/validate/data/", "tests/**/__snapshots__/"],
    },
    {
        linterOptions: { reportUnusedDisableDirectives: "error" },
    },
    js.configs.recommended,
    // Type-aware: the rules that catch Pulumi's silent failures need the types. One program from
    // tsconfig.json (it includes policy/ too), so the types are built once for every file.
    tseslint.configs.recommendedTypeChecked,
    {
        languageOptions: {
            parserOptions: { project: "./tsconfig.json", tsconfigRootDir: import.meta.dirname },
        },
    },
    comments.recommended,
    {
        rules: {
            // An unawaited promise in the program is work Pulumi may never wait for, or an error nobody sees;
            // in a test it is an assertion that never runs. A promise where a callback's result is ignored is the same bug.
            "@typescript-eslint/no-floating-promises": "error",
            "@typescript-eslint/no-misused-promises": "error",
            "@typescript-eslint/await-thenable": "error",
            // `${output}` of a pulumi.Output writes Pulumi's warning text, not the value: use pulumi.interpolate or .apply().
            "@typescript-eslint/restrict-template-expressions": "error",
            // `any` only where a disable comment says why (`// eslint-disable-line @typescript-eslint/no-explicit-any -- reason`).
            "@typescript-eslint/no-explicit-any": "error",
            "@eslint-community/eslint-comments/require-description": ["error", { ignore: ["eslint-enable"] }],
            "@eslint-community/eslint-comments/disable-enable-pair": ["error", { allowWholeFile: true }],
            // Noise here: the `any` these track comes from JSON.parse, require() and Pulumi's mock arguments, each narrowed
            // by a guard or a cast where it arrives; no-explicit-any keeps our own code free of it. Member access and calls
            // on an `any` stay errors: that is reaching into data nobody checked.
            "@typescript-eslint/no-unsafe-assignment": "off",
            "@typescript-eslint/no-unsafe-argument": "off",
            "@typescript-eslint/no-unsafe-return": "off",
            // String(value) of parsed, untrusted data shows whatever the file held, on purpose; checked in the program only (below).
            "@typescript-eslint/no-base-to-string": "off",
            // Async functions here implement Promise-returning interfaces (the diff's program loader, test stand-ins);
            // the promise rules above catch the bugs that matter.
            "@typescript-eslint/require-await": "off",
            // Rejecting with what a catch caught (unknown) passes the original error on.
            "@typescript-eslint/prefer-promise-reject-errors": ["error", { allowThrowingUnknown: true }],
            // The program is CommonJS (Pulumi loads index.ts so): `import x = require()` imports its `export =`, and the tools
            // require() heavy modules lazily so --help and usage errors skip Pulumi's start-up and bench can time each load.
            "@typescript-eslint/no-require-imports": "off",
            // tsc's noUnusedLocals/noUnusedParameters already fail the build; one report is enough.
            "@typescript-eslint/no-unused-vars": "off",
            // The TOML and VRL string escapers and the ANSI strippers match control characters on purpose.
            "no-control-regex": "off",
            // Case labels that share a body may carry a comment each, saying why they share it.
            "no-fallthrough": ["error", { allowEmptyCase: true }],
        },
    },
    {
        files: PROGRAM,
        rules: { "@typescript-eslint/no-base-to-string": "error" },
    },
    {
        // Tests print resolved mock inputs and parsed output (typed Json or unknown) in assertion messages and
        // reach into them with `any`; a wrong guess fails the test, it deploys nothing.
        files: ["tests/**/*.ts"],
        rules: {
            "@typescript-eslint/restrict-template-expressions": "off",
            "@typescript-eslint/no-unsafe-member-access": "off",
            "@typescript-eslint/no-unsafe-call": "off",
        },
    },
    {
        // This file and the CommonJS preload scripts: plain JavaScript outside tsconfig.json, linted without types.
        files: ["**/*.mjs", "**/*.cjs"],
        extends: [tseslint.configs.disableTypeChecked],
    },
    {
        files: ["**/*.cjs"],
        languageOptions: {
            sourceType: "commonjs",
            globals: {
                require: "readonly",
                module: "writable",
                exports: "writable",
                process: "readonly",
                __dirname: "readonly",
                console: "readonly",
                performance: "readonly",
            },
        },
    },
    prettier,
);
