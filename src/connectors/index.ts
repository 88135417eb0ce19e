export {
  Catalog,
  loadCatalog,
  loadConnectorDir,
  loadConnectorFile,
  parseConnector,
  ConnectorDefinitionError,
  builtinConnectorsDir,
} from './catalog.js';
export {
  ConnectorSchema,
  type Connector,
  type ConnectorInput,
  type Resource,
  type Pagination,
} from './schema.js';
export { connectorRoutes } from './routes.js';
