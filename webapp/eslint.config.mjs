import js from '@eslint/js';
import react from 'eslint-plugin-react';
import reactHooks from 'eslint-plugin-react-hooks';
import tseslint from 'typescript-eslint';

export default tseslint.config(
    {ignores: ['dist/**', 'node_modules/**', 'coverage/**']},
    js.configs.recommended,
    ...tseslint.configs.recommended,
    {
        files: ['src/**/*.{ts,tsx}', 'tests/**/*.ts'],
        plugins: {react, 'react-hooks': reactHooks},
        settings: {react: {version: '18'}},
        languageOptions: {
            parserOptions: {ecmaFeatures: {jsx: true}},
        },
        rules: {
            ...react.configs.recommended.rules,
            'react/prop-types': 'off',
            'react/no-array-index-key': 'warn',
            'react/jsx-no-target-blank': 'error',
            'react-hooks/rules-of-hooks': 'error',
            'react-hooks/exhaustive-deps': 'warn',
            'no-await-in-loop': 'warn',
            'no-console': 'error',
            eqeqeq: ['error', 'always'],
            '@typescript-eslint/no-explicit-any': 'error',
            '@typescript-eslint/no-unused-vars': ['error', {argsIgnorePattern: '^_', varsIgnorePattern: '^_'}],
            '@typescript-eslint/consistent-type-imports': ['error', {prefer: 'type-imports', fixStyle: 'separate-type-imports'}],
        },
    },
    {
        files: ['*.js'],
        languageOptions: {sourceType: 'commonjs', globals: {module: 'writable', require: 'readonly', __dirname: 'readonly', process: 'readonly'}},
    },
);
