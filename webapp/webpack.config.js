const fs = require('fs');
const path = require('path');

// The root manifest may not exist yet in a fresh checkout; the id is fixed anyway.
function pluginId() {
    const manifestPath = path.resolve(__dirname, '../plugin.json');
    if (fs.existsSync(manifestPath)) {
        return JSON.parse(fs.readFileSync(manifestPath, 'utf8')).id;
    }
    return 'hookbridge';
}

module.exports = (env, argv) => {
    const mode = argv.mode || 'production';
    return {
        mode,
        entry: ['./src/index.tsx'],
        resolve: {
            modules: ['src', 'node_modules'],
            extensions: ['.js', '.jsx', '.ts', '.tsx'],
        },
        module: {
            rules: [
                {
                    test: /\.(js|jsx|ts|tsx)$/,
                    exclude: /node_modules/,
                    use: {
                        loader: 'babel-loader',
                        options: {cacheDirectory: true},
                    },
                },
            ],
        },

        // These are provided by the Mattermost webapp on window so the plugin
        // shares the host's single React and Redux instances.
        externals: {
            react: 'React',
            'react-dom': 'ReactDOM',
            redux: 'Redux',
            'react-redux': 'ReactRedux',
            'prop-types': 'PropTypes',
            'react-bootstrap': 'ReactBootstrap',
            'react-router-dom': 'ReactRouterDom',
            'react-intl': 'ReactIntl',
        },
        output: {
            devtoolNamespace: pluginId(),
            path: path.join(__dirname, 'dist'),
            publicPath: '/',
            filename: 'main.js',
        },
        devtool: mode === 'production' ? false : 'eval-source-map',
        performance: {hints: false},
    };
};
