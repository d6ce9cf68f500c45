// `npm run erd`: docs/database/erd.{mmd,md} from drizzle-kit's newest snapshot. See docs/erd.md.
import { run } from "./erd/cli";

process.exitCode = await run(process.argv.slice(2));
