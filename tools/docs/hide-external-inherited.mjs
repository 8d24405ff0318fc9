// TypeDoc plugin: leaves out members a class inherits from outside the
// library (Construct's node, toString, isConstruct, ...), which every
// construct would otherwise repeat. Members inherited from the library's own
// classes stay.
import { Converter } from "typedoc";

export function load(app) {
  app.converter.on(Converter.EVENT_RESOLVE_END, (context) => {
    const project = context.project;
    for (const reflection of Object.values(project.reflections)) {
      const from = reflection.inheritedFrom;
      if (from && !from.reflection && project.getReflectionById(reflection.id)) {
        project.removeReflection(reflection);
      }
    }
  });
}
