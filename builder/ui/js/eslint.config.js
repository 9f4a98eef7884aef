// Lint for the canvas: eslint's recommended rules, React's, and the rules of hooks.
import js from "@eslint/js";
import react from "eslint-plugin-react";
import reactHooks from "eslint-plugin-react-hooks";
import i18next from "eslint-plugin-i18next";
import globals from "globals";

export default [
  { ignores: ["node_modules/"] },
  js.configs.recommended,
  {
    files: ["**/*.{js,jsx,mjs}"],
    plugins: { react, "react-hooks": reactHooks, i18next },
    languageOptions: {
      ecmaVersion: 2022,
      sourceType: "module",
      parserOptions: { ecmaFeatures: { jsx: true } },
      globals: { ...globals.browser, ...globals.node },
    },
    settings: { react: { version: "19.3" } },
    rules: {
      ...react.configs.recommended.rules,
      ...react.configs["jsx-runtime"].rules,
      "react/prop-types": "off", // the props are typed by JSDoc and checked by tsc instead
      "react-hooks/rules-of-hooks": "error",
      "react-hooks/exhaustive-deps": "warn",
      // Apostrophes and quotes in JSX text are plain words to React; escaping them hurts reading.
      "react/no-unescaped-entities": "off",
      // Every word a person reads comes from the catalogues (src/i18n.js): t("…"), tn(…).
      "i18next/no-literal-string": [
        "error",
        {
          mode: "jsx-only",
          "jsx-attributes": { include: ["title", "placeholder", "aria-label", "alt", "label"] },
          words: { exclude: ["[^A-Za-z가-힣]*", "[A-Z_-]+", "Wayline", "SMS", "LMS", "ID"] },
        },
      ],
      "no-unused-vars": [
        "error",
        { argsIgnorePattern: "^_", varsIgnorePattern: "^_", ignoreRestSiblings: true },
      ],
    },
  },
];
