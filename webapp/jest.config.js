module.exports = {
    testEnvironment: 'jsdom',
    testEnvironmentOptions: {url: 'http://localhost:8065/'},
    roots: ['<rootDir>/src'],
    setupFilesAfterEnv: ['<rootDir>/tests/setup.ts'],
    transform: {'^.+\\.[jt]sx?$': 'babel-jest'},
    moduleFileExtensions: ['ts', 'tsx', 'js', 'jsx', 'json'],
    clearMocks: true,
    restoreMocks: true,
    collectCoverageFrom: ['src/**/*.{ts,tsx}', '!src/**/*.d.ts', '!src/testlib/**'],
};
