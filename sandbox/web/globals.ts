// The libraries Mattermost's webapp puts on window for plugins (webapp/channels/
// src/plugins/export.ts): a plugin bundle lists them as webpack externals so it
// shares the host's single React and Redux. Imported first, before any plugin loads.

import PropTypes from 'prop-types';
import React from 'react';
import * as ReactDOM from 'react-dom';
import * as ReactDOMClient from 'react-dom/client';
import * as ReactRedux from 'react-redux';
import * as Redux from 'redux';

declare global {
  interface Window {
    React: typeof React;
    ReactDOM: typeof ReactDOM;
    Redux: typeof Redux;
    ReactRedux: typeof ReactRedux;
    PropTypes: typeof PropTypes;
  }
}

window.React = React;
// Mattermost exposes react-dom itself; createRoot is there too in React 18.
window.ReactDOM = {...ReactDOM, ...ReactDOMClient} as typeof ReactDOM;
window.Redux = Redux;
window.ReactRedux = ReactRedux;
window.PropTypes = PropTypes;
