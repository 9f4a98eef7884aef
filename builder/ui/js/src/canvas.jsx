import { ReactFlow, Background, Controls, MiniMap } from "@xyflow/react";
import "@xyflow/react/dist/style.css";

export function JourneyCanvas() {
  return <div style={{ height: 400 }}><ReactFlow nodes={[]} edges={[]}><Background /><Controls /><MiniMap /></ReactFlow></div>;
}
