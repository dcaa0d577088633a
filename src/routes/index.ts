import { apiRoutes } from './api';
import { RouteTable, type RouteDef } from './define';
import { eventRoutes } from './events';
import { imageRoutes } from './images';
import { indexRoute, reportRoute } from './pages';
import { pullRoutes } from './pulls';
import { shareRoutes } from './shares';
import { siteRoutes } from './site';

// Every route of the service, one declaration each in its face's file (src/routes/define.ts),
// in the order /openapi.json lists them.

export const ROUTES: readonly RouteDef[] = [
  ...apiRoutes,
  ...eventRoutes,
  reportRoute,
  ...imageRoutes,
  ...pullRoutes,
  ...shareRoutes,
  indexRoute,
  ...siteRoutes,
];

export const appRoutes = new RouteTable(ROUTES);
