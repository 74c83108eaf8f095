// Babel's config lives here rather than in webpack.config.js because jest reads it too.
module.exports = (api) => {
    const isTest = api.env('test');
    return {
        presets: [
            ['@babel/preset-env', {
                targets: isTest ? {node: 'current'} : {chrome: 110, firefox: 115, edge: 110, safari: 16},
                modules: isTest ? 'auto' : false,
                bugfixes: true,
            }],
            ['@babel/preset-react', {runtime: 'classic'}],
            ['@babel/preset-typescript', {allExtensions: true, isTSX: true, onlyRemoveTypeImports: true}],
        ],
    };
};
